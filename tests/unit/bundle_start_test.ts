/**
 * What the one-file bundle loads when it starts. Every static import of the file runs before any
 * command, so a `node:` import there loads Deno's Node layer for `--version` too; the libraries
 * only some commands use (the postgres client, hashing, YAML) must not put one there.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { tempDir } from "../_cli.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname;

// node:sqlite is every command's, and built in: it loads no Node layer.
const ALLOWED_AT_START = new Set(["node:sqlite"]);

async function buildBundle(dir: string): Promise<string> {
  const output = `${dir}/alone/dockswap-db`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "scripts/bundle.ts",
      "--output",
      output,
    ],
    cwd: REPO_ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return output;
}

/** The bundle run as installed: by its #! line, alone in its folder. */
async function run(
  bundle: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(bundle, {
    args,
    cwd: bundle.replace(/\/[^/]+$/, ""),
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, output: decode(stdout) + decode(stderr) };
}

Deno.test("bundle: its static imports are node:sqlite and the argument parser's; the postgres client loads when sync runs", async () => {
  await using dir = await tempDir();
  const bundle = await buildBundle(dir.path);
  const text = await Deno.readTextFile(bundle);
  const atStart = [...text.matchAll(/\bfrom\s*"(node:[a-z_/]+)"/g)].map((m) => m[1]);
  assert(atStart.includes("node:sqlite"), "the search finds the file's imports");
  assertEquals(atStart.filter((name) => !ALLOWED_AT_START.has(name)), []);
  assertEquals(text.includes('import("postgres")'), false);

  assertEquals((await run(bundle, ["--version"])).code, 0);
  // YAML and hashing, reached when first used: the stored SHA-256 is sha256sum's.
  const config = `${REPO_ROOT}tests/fixtures/apps/web-api.yaml`;
  const add = await run(bundle, ["--db", "d.db", "--json", "config", "add", config]);
  assertEquals(add.code, 0, add.output);
  const sha256sum = await new Deno.Command("sha256sum", { args: [config] }).output();
  assertStringIncludes(add.output, new TextDecoder().decode(sha256sum.stdout).split(" ")[0]);
  assertEquals((await run(bundle, ["--db", "d.db", "status"])).code, 0);
  // Port 1 refuses: the client was loaded (from the file itself) and tried to connect.
  const sync = await run(bundle, ["--db", "d.db", "sync", "--to", "postgres://u:p@127.0.0.1:1/db"]);
  assertStringIncludes(sync.output, "connection refused");
  assertStringIncludes(sync.output, "[server_unreachable]");
});

Deno.test("bundle: a start leaves Deno its compiled code for the next one", async () => {
  await using dir = await tempDir();
  const bundle = await buildBundle(dir.path);
  // A Deno directory of its own, so that what is found there is this bundle's.
  const denoDir = `${dir.path}/deno`;
  const version = await run(bundle, ["--version"], { DENO_DIR: denoDir });
  assertEquals(version.code, 0, version.output);
  const cache = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
  try {
    const row = cache.prepare("SELECT count(*) AS n FROM codecache WHERE specifier = ?")
      .get(pathToFileURL(bundle).href) as { n: number };
    assertEquals(row.n, 1, "no compiled code kept for the bundle");
  } finally {
    cache.close();
  }
});
