/**
 * Test harness: runs the real dockswap-db as a subprocess on real files. Set DOCKSWAP_DB_ENTRY
 * to the single-file build (`deno task bundle`) to run the same suites against it, as a command
 * started through its #! line (with `deno` on PATH).
 */

const REPO_ROOT = new URL("..", import.meta.url).pathname;

/** The app-config fixtures (tests/fixtures/apps, tests/fixtures/invalid), inside the repository. */
export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

const BUNDLE = Deno.env.get("DOCKSWAP_DB_ENTRY");

/** The program under test: src/main.ts, or the bundle named by DOCKSWAP_DB_ENTRY. */
export const ENTRY = BUNDLE ?? `${REPO_ROOT}src/main.ts`;

/** The executable that starts dockswap-db: the bundle itself, or deno running src/main.ts. */
export const EXECUTABLE = BUNDLE ?? Deno.execPath();

/**
 * The permission flags `deno task compile` bakes into the binary, read from deno.json so that
 * the tests run under exactly those and a missing permission fails them.
 */
export const PERMISSIONS: string[] = (() => {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}deno.json`));
  return (config.tasks.compile as string).split(/\s+/).filter((arg) =>
    /^--(allow|ignore)-/.test(arg)
  );
})();

/** What a finished run of the CLI left. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stdin?: string | Uint8Array;
  env?: Record<string, string>;
  cwd?: string;
}

/** The arguments of EXECUTABLE that start dockswap-db, before its own arguments. */
export function commandLine(): string[] {
  if (BUNDLE) return [];
  return ["run", "--quiet", "--config", `${REPO_ROOT}deno.json`, ...PERMISSIONS, ENTRY];
}

/**
 * The environment of a run: this process's, without any DOCKSWAP_* leaking in but the bundle's
 * cache folder (tests/bundle_e2e.ts gives the whole pass one, so that it is unpacked once).
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  for (const key of Object.keys(env)) {
    if (key.startsWith("DOCKSWAP_") && key !== "DOCKSWAP_CACHE_DIR") delete env[key];
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs `command` to completion with exactly `env`, writing `stdin` to it when given. */
export async function runToEnd(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: string | Uint8Array },
): Promise<CliResult> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
    );
    await writer.close();
  }
  return decoded(await child.output());
}

/** A finished command's exit code and its output as text. */
export function decoded(output: Deno.CommandOutput): CliResult {
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs `line` exactly as an operator would paste it into bash (from `cwd`, another folder than
 * the test's when given), with `dockswap-db` being the build under test.
 */
export async function pasteIntoBash(line: string, cwd?: string): Promise<CliResult> {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const binary = [EXECUTABLE, ...commandLine()].map(quote).join(" ");
  return decoded(
    await new Deno.Command("bash", {
      args: ["-c", `dockswap-db() { ${binary} "$@"; }\n${line}`],
      cwd,
      env: cleanEnv(),
      clearEnv: true,
      stdin: "null",
    }).output(),
  );
}

/** Runs dockswap-db with `args` to completion. */
export function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runToEnd(EXECUTABLE, [...commandLine(), ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdin: options.stdin,
  });
}

/**
 * Runs many command lines through the real CLI in one process (tests/_cli_batch.ts), from and
 * with HOME at `home`: for sweeps of hundreds of them, where a subprocess each takes minutes.
 */
export async function cliBatch(argvs: string[][], home: string): Promise<CliResult[]> {
  const args = ["run", "--quiet", "--config", `${REPO_ROOT}deno.json`, ...PERMISSIONS];
  const batch = await runToEnd(Deno.execPath(), [...args, `${REPO_ROOT}tests/_cli_batch.ts`], {
    cwd: home,
    env: cleanEnv({ HOME: home }),
    stdin: JSON.stringify(argvs),
  });
  if (batch.code !== 0) {
    throw new Error(`tests/_cli_batch.ts exited ${batch.code}: ${batch.stderr}`);
  }
  return JSON.parse(batch.stdout);
}

/** Runs dockswap-db with --json on `db` and parses stdout; fails loudly on a non-zero exit. */
export async function cliJson<T = unknown>(
  db: string,
  args: string[],
  options: CliOptions = {},
): Promise<T> {
  const result = await cli(["--db", db, "--json", ...args], options);
  if (result.code !== 0) {
    throw new Error(`dockswap-db ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** A fresh temporary folder, removed when the returned object is disposed. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "dockswap-db-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Creates an empty, fully migrated database: `rpc` opens (creating) the file and ends at EOF. */
export async function createDatabase(db: string): Promise<void> {
  const result = await cli(["--db", db, "rpc"], { stdin: "" });
  if (result.code !== 0) throw new Error(`cannot create ${db}: ${result.stderr}`);
}
