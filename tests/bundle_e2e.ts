/**
 * The test run of `deno task test` (and CI): builds the single-file bundle as `deno task bundle`
 * does, alone in an empty folder, checks that it is an executable whose #! line grants exactly the
 * permissions `deno task compile` bakes in, runs it as an installed command (by name, on PATH,
 * from an empty folder), then runs every test once, in one `deno test --parallel`, against it:
 * the tests that start the CLI or the stdio server (cli/, rpc/, fleet/, docs/, reliability/)
 * start the file itself, through its #! line (DOCKSWAP_DB_ENTRY); the in-process tests import
 * the source, as they would anyway. A file the program reads from disk instead of importing, or
 * a missing permission, fails here. `deno task test:src` runs the same tests against src/main.ts.
 *
 * Arguments go to `deno test`: flags (`--no-check` after `deno check`, `--fail-fast`) and, to run
 * only some tests against the bundle, their files or folders.
 */
import { PERMISSIONS, runToEnd } from "./_cli.ts";

const repo = new URL("..", import.meta.url).pathname;
/** Every test: the folders `deno test` searches for *_test.ts, and the reliability suite. */
const EVERY_TEST = [
  "tests/",
  ...[...Deno.readDirSync(`${repo}tests/reliability`)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith("_reliability.ts"))
    .sort()
    .map((name) => `tests/reliability/${name}`),
];
const flags = Deno.args.filter((arg) => arg.startsWith("-"));
const chosen = Deno.args.filter((arg) => !arg.startsWith("-"));
const alone = await Deno.makeTempDir({ prefix: "dockswap-db-bundle-" });
const entry = `${alone}/dockswap-db`;
// `deno` for the #! line's /usr/bin/env: the Deno running this, whatever installed it.
const denoBin = await Deno.makeTempDir({ prefix: "dockswap-db-deno-" });
await Deno.symlink(Deno.execPath(), `${denoBin}/deno`);
const PATH = `${denoBin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
// The bundle's cache folder for the whole pass (the tests that set their own HOME would each unpack
// the program again, and nothing is left in the real one); tests/unit/bundle_cache_test.ts runs
// the first start into an empty one.
const cache = await Deno.makeTempDir({ prefix: "dockswap-db-cache-" });

async function run(args: string[], env: Record<string, string> = {}): Promise<number> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: repo,
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}

/** The long spelling of a #! line's permission flag. */
function longFlag(flag: string): string {
  const long: Record<string, string> = {
    R: "--allow-read",
    W: "--allow-write",
    N: "--allow-net",
    E: "--allow-env",
    S: "--allow-sys",
  };
  const match = /^-([RWNES])(=.*)?$/.exec(flag);
  return match ? `${long[match[1]]}${match[2] ?? ""}` : flag;
}

/** What the bundle's loader alone asks for: the user id, for its cache folder's check. */
const LOADER_PERMISSIONS = ["--allow-sys=uid"];

/**
 * Throws unless the bundle is a lone 0755 file whose #! line carries exactly PERMISSIONS and the
 * loader's.
 */
function checkFile(): void {
  const contents = [...Deno.readDirSync(alone)].map((e) => e.name);
  if (contents.length !== 1) {
    throw new Error(`bundle folder holds more than the bundle: ${contents}`);
  }
  const mode = Deno.statSync(entry).mode! & 0o777;
  if (mode !== 0o755) throw new Error(`bundle mode is ${mode.toString(8)}, not 755`);
  const first = Deno.readTextFileSync(entry).split("\n", 1)[0];
  const prefix = "#!/usr/bin/env -S deno run --no-config --ext=js ";
  if (!first.startsWith(prefix)) throw new Error(`bundle's first line is ${first}`);
  const granted = first.slice(prefix.length).split(" ").map(longFlag);
  const expected = [...PERMISSIONS, ...LOADER_PERMISSIONS];
  if (JSON.stringify(granted.toSorted()) !== JSON.stringify(expected.toSorted())) {
    throw new Error(`#! line grants ${granted}, not ${expected}`);
  }
}

/** Runs the installed command by name from an empty folder: it records into ./dockswap.db there. */
async function checkInstalled(): Promise<void> {
  const cwd = await Deno.makeTempDir({ prefix: "dockswap-db-anywhere-" });
  const worker = Deno.readFileSync(`${repo}tests/fixtures/apps/worker.yaml`);
  try {
    for (const args of [["--version"], ["config", "add", "-"], ["config", "history", "worker"]]) {
      const { code, stdout, stderr } = await runToEnd("dockswap-db", args, {
        cwd,
        env: { PATH: `${alone}:${PATH}`, HOME: cwd, NO_COLOR: "1" },
        stdin: args.includes("-") ? worker : new Uint8Array(),
      });
      const text = stdout + stderr;
      if (code !== 0) throw new Error(`dockswap-db ${args.join(" ")} exited ${code}: ${text}`);
      console.log(`$ dockswap-db ${args.join(" ")}\n${text.trimEnd()}`);
    }
    Deno.statSync(`${cwd}/dockswap.db`);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

let code = await run(["task", "--quiet", "bundle", "--output", entry]);
try {
  if (code === 0) {
    checkFile();
    await checkInstalled();
    console.log(
      `Running the test suite against ${entry} (alone in its folder, run by its #! line)`,
    );
    code = await run(
      [
        "test",
        "--parallel",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-run",
        ...flags,
        ...(chosen.length > 0 ? chosen : EVERY_TEST),
      ],
      { DOCKSWAP_DB_ENTRY: entry, DOCKSWAP_CACHE_DIR: `${cache}/dockswap-db`, PATH },
    );
  }
} finally {
  await Deno.remove(alone, { recursive: true });
  await Deno.remove(denoBin, { recursive: true });
  await Deno.remove(cache, { recursive: true });
}
Deno.exit(code);
