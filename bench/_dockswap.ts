/**
 * How the benchmarks run dockswap-db itself: the bundle `deno task bundle` makes (the shipped
 * single file), with exactly the flags of its #! line, and a line client for its `rpc` mode.
 */

const REPO = new URL("..", import.meta.url).pathname;

/** The permission flags of the compile task, read from deno.json (as tests/_cli.ts does). */
const PERMISSIONS: string[] = (() => {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO}deno.json`));
  return (config.tasks.compile as string).split(/\s+/).filter((arg) =>
    /^--(allow|ignore)-/.test(arg)
  );
})();

/** The program benchmarked: DOCKSWAP_DB_ENTRY, else dist/dockswap-db built now. */
export async function prepareEntry(): Promise<string> {
  const given = Deno.env.get("DOCKSWAP_DB_ENTRY");
  if (given) return given;
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "bundle"],
    cwd: REPO,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) throw new Error("deno task bundle failed");
  return `${REPO}dist/dockswap-db`;
}

/** The flags a bundle's #! line gives `deno run` (its permissions, `--no-config`, `--ext=js`). */
function bundleFlags(entry: string): string[] {
  const first = Deno.readTextFileSync(entry).split("\n", 1)[0];
  const [, flags] = first.split(" deno run ");
  if (!first.startsWith("#!") || flags === undefined) {
    throw new Error(`${entry} does not start with a "#!... deno run" line`);
  }
  return flags.split(" ");
}

/**
 * The argv (after the deno executable) that runs dockswap-db with `args`: a bundle with the flags
 * of its own #! line, as users start it; src/main.ts under the compile task's permissions.
 */
export function dockswapArgs(entry: string, args: string[]): string[] {
  const flags = entry.endsWith(".ts") ? ["--no-config", ...PERMISSIONS] : bundleFlags(entry);
  return ["run", "--quiet", ...flags, entry, ...args];
}

/** Runs dockswap-db to completion; throws with its stderr when it fails. */
export async function runDockswap(
  entry: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: dockswapArgs(entry, args),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!result.success) {
    throw new Error(`dockswap-db ${args.join(" ")}: ${text.decode(result.stderr)}`);
  }
  return text.decode(result.stdout);
}

/** The argv (after the deno executable) of the echo server benchmark 1 compares with. */
export function echoServerArgs(): string[] {
  return ["run", "--quiet", "--no-config", `${REPO}bench/echo_server.ts`];
}

/** The argv (after the deno executable) of benchmark 1's raw loop behind pipes. */
export function rawRoundTripServerArgs(dbPath: string, apps: number): string[] {
  return [
    "run",
    "--quiet",
    "--no-config",
    "--allow-read",
    "--allow-write",
    `${REPO}bench/raw_round_trip_server.ts`,
    dbPath,
    String(apps),
  ];
}

/** A running line server (`dockswap-db rpc`, or the echo server) with a reader on its stdout. */
export class RpcServer {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  // Reads into one buffer of ours (BYOB): the default reader allocates a fresh 64 KiB chunk per
  // read, a cost of the client that would be counted against every server measured.
  readonly #reader: ReadableStreamBYOBReader;
  #chunk = new Uint8Array(64 * 1024);
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();
  #buffer = "";
  #lines: string[] = [];

  /** `dockswap-db --db dbPath rpc`, or the deno argv `args` when given. */
  constructor(entry: string, dbPath: string, args = dockswapArgs(entry, ["--db", dbPath, "rpc"])) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.getReader({ mode: "byob" });
  }

  /** The server's process id (to read its CPU time). */
  get pid(): number {
    return this.#child.pid;
  }

  /** Sends text as is (one or many lines). */
  async send(text: string | Uint8Array): Promise<void> {
    await this.#writer.write(typeof text === "string" ? this.#encoder.encode(text) : text);
  }

  /** The next response line; throws at end of stream. */
  async nextLine(): Promise<string> {
    while (this.#lines.length === 0) {
      const text = await this.#read();
      if (text === undefined) throw new Error("rpc server closed its output");
      this.#buffer += text;
      const cut = this.#buffer.lastIndexOf("\n");
      if (cut === -1) continue;
      this.#lines = this.#buffer.slice(0, cut).split("\n");
      this.#buffer = this.#buffer.slice(cut + 1);
    }
    return this.#lines.shift()!;
  }

  /** The next piece of output as text; undefined at its end. */
  async #read(): Promise<string | undefined> {
    const { value, done } = await this.#reader.read(this.#chunk);
    if (done || !value) return undefined;
    // The buffer comes back in `value` (a read transfers it): keep it for the next read.
    this.#chunk = new Uint8Array(value.buffer);
    return this.#decoder.decode(value, { stream: true });
  }

  /** Sends one request and returns its response line, which must be a success. */
  async call(line: string): Promise<string> {
    const answer = await this.roundTrip(line);
    if (!answer.includes('"result"')) throw new Error(`rpc failure: ${answer.slice(0, 300)}`);
    return answer;
  }

  /** Sends one line and returns the line that comes back. */
  async roundTrip(line: string): Promise<string> {
    await this.send(line + "\n");
    return await this.nextLine();
  }

  /**
   * Writes every line without waiting (in 256 KiB chunks, as fast as the server reads) while
   * reading the responses; every one must be a success.
   */
  async pipeline(lines: string[]): Promise<void> {
    const payload = this.#encoder.encode(lines.join("\n") + "\n");
    const writing = (async () => {
      const step = 256 * 1024;
      for (let i = 0; i < payload.length; i += step) await this.send(payload.subarray(i, i + step));
    })();
    for (let answered = 0; answered < lines.length; answered++) {
      const answer = await this.nextLine();
      if (!answer.includes('"result"')) throw new Error(`rpc failure: ${answer.slice(0, 300)}`);
    }
    await writing;
  }

  /** Closes stdin and waits for a clean exit. */
  async close(): Promise<void> {
    await this.#writer.close();
    while ((await this.#read()) !== undefined);
    const status = await this.#child.status;
    if (status.code !== 0) throw new Error(`rpc server exited with ${status.code}`);
  }
}
