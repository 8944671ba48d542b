// The `yaml` library's Node build (the one `deno run` and `deno compile` load; the bundle takes
// its ESM build, which reads nothing) reads process.env.LOG_TOKENS and LOG_STREAM (debug
// switches) once per token. In Deno each read of process.env is an op call plus a permission
// check: about 40% of the time of parsing a config. These are the only variables it reads.
let snapshot: Record<string, string | undefined> | undefined;

/**
 * Runs synchronous `work` (a YAML parse) with process.env replaced by a snapshot of the
 * variables the yaml library reads, taken once, so its per-token reads cost a property lookup.
 * Synchronous work cannot be interleaved, so no other code sees the snapshot.
 * `process` is the global, reached only here: a static `node:process` import would load Deno's
 * Node layer when the bundle starts, for every command.
 */
export function withYamlEnvironment<T>(work: () => T): T {
  const process = globalThis.process;
  const real = process.env;
  snapshot ??= { LOG_TOKENS: real.LOG_TOKENS, LOG_STREAM: real.LOG_STREAM };
  process.env = snapshot as typeof process.env;
  try {
    return work();
  } finally {
    process.env = real;
  }
}
