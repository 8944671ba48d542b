/**
 * What the one-file bundle loads when it starts. Every static import of the file runs before any
 * command, so a `node:` import there loads Deno's Node layer for `--version` too; the program's
 * modules, unpacked from the file into the cache folder, are what a command loads: the libraries
 * only some commands use (the postgres client, hashing, YAML) must not be imported by its entry.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { tempDir } from "../_cli.ts";
import { buildBundle } from "../_bundle.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname;

// node:sqlite is every command's, and built in: it loads no Node layer.
const ALLOWED_AT_START = new Set(["node:sqlite"]);

function buildBundleIn(dir: string): Promise<string> {
  return buildBundle(`${dir}/alone/dockswap-db`);
}

/** The bundle run as installed: by its #! line, alone in its folder, with a cache of its own. */
async function run(
  bundle: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const folder = bundle.replace(/\/[^/]+\/[^/]+$/, "");
  const { code, stdout, stderr } = await new Deno.Command(bundle, {
    args,
    cwd: bundle.replace(/\/[^/]+$/, ""),
    env: {
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
      DOCKSWAP_CACHE_DIR: `${folder}/cache`,
      ...env,
    },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, output: decode(stdout) + decode(stderr) };
}

/** The `node:` modules `text` imports statically, and the files of its folder it imports. */
function staticImports(text: string): { node: string[]; files: string[] } {
  const found = (pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1]);
  return {
    node: found(/(?:\bfrom\s*|\bimport\s*)"(node:[a-z_/]+)"/g),
    files: found(/(?:\bfrom\s*|\bimport\s*)"\.\/([^"]+)"/g),
  };
}

/** The `node:` modules loaded before `entry` (a file of `folder`) runs, and the files. */
function loadedWith(folder: string, entry: string): { node: Set<string>; files: Set<string> } {
  const loaded = { node: new Set<string>(), files: new Set<string>() };
  const visit = (file: string) => {
    if (loaded.files.has(file)) return;
    loaded.files.add(file);
    const imports = staticImports(Deno.readTextFileSync(`${folder}/${file}`));
    for (const name of imports.node) loaded.node.add(name);
    for (const next of imports.files) visit(next);
  };
  visit(entry);
  return loaded;
}

Deno.test("bundle: the file imports only node:sqlite, the program's entry module only what every command needs; the postgres client loads when sync runs", async () => {
  await using dir = await tempDir();
  const bundle = await buildBundleIn(dir.path);
  const text = await Deno.readTextFile(bundle);
  const atStart = staticImports(text).node;
  assert(atStart.includes("node:sqlite"), "the search finds the file's imports");
  assertEquals(atStart.filter((name) => !ALLOWED_AT_START.has(name)), []);

  // --version is the file's own, and says what the source says.
  const version = await run(bundle, ["--version"]);
  assertEquals(version.code, 0);
  const source = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "src/main.ts", "-V"],
    cwd: REPO_ROOT,
  }).output();
  assertEquals(version.output, new TextDecoder().decode(source.stdout));
  assertEquals((await run(bundle, ["-V"])).output, version.output);

  // YAML and hashing, reached when first used: the stored SHA-256 is sha256sum's.
  const config = `${REPO_ROOT}tests/fixtures/apps/web-api.yaml`;
  const add = await run(bundle, ["--db", "d.db", "--json", "config", "add", config]);
  assertEquals(add.code, 0, add.output);
  const sha256sum = await new Deno.Command("sha256sum", { args: [config] }).output();
  assertStringIncludes(add.output, new TextDecoder().decode(sha256sum.stdout).split(" ")[0]);
  assertEquals((await run(bundle, ["--db", "d.db", "status"])).code, 0);

  const [program] = [...Deno.readDirSync(`${dir.path}/cache`)].map((e) => e.name);
  const folder = `${dir.path}/cache/${program}`;
  const entry = loadedWith(folder, "main.js");
  assertEquals([...entry.node].filter((name) => !ALLOWED_AT_START.has(name)), []);
  const everything = [...Deno.readDirSync(folder)].map((e) => e.name);
  for (const file of everything) {
    const text = Deno.readTextFileSync(`${folder}/${file}`);
    assertEquals(text.includes('import("postgres")'), false, file);
  }
  // Port 1 refuses: the client was loaded (from the unpacked files) and tried to connect.
  const sync = await run(bundle, ["--db", "d.db", "sync", "--to", "postgres://u:p@127.0.0.1:1/db"]);
  assertStringIncludes(sync.output, "connection refused");
  assertStringIncludes(sync.output, "[server_unreachable]");
});

Deno.test("bundle: a start leaves Deno its compiled code for the next one, of the file and of the modules a command loads", async () => {
  await using dir = await tempDir();
  const bundle = await buildBundleIn(dir.path);
  // A Deno directory of its own, so that what is found there is this bundle's.
  const denoDir = `${dir.path}/deno`;
  const cached = (file: string) => {
    const cache = new DatabaseSync(`${denoDir}/v8_code_cache_v2`, { readOnly: true });
    try {
      const row = cache.prepare("SELECT count(*) AS n FROM codecache WHERE specifier = ?")
        .get(pathToFileURL(file).href) as { n: number };
      return row.n === 1;
    } finally {
      cache.close();
    }
  };
  // After a command: Deno writes the cache in the background, and `--version` alone may exit
  // before it has (it then compiles only the loader, a few KB, again).
  const config = `${REPO_ROOT}tests/fixtures/apps/web-api.yaml`;
  const add = await run(bundle, ["--db", "d.db", "config", "add", config], { DENO_DIR: denoDir });
  assertEquals(add.code, 0, add.output);
  const [program] = [...Deno.readDirSync(`${dir.path}/cache`)].map((e) => e.name);
  assert(cached(bundle), "no compiled code kept for the bundle");
  assert(cached(`${dir.path}/cache/${program}/main.js`), "no compiled code kept for main.js");
});

Deno.test("bundle: a command reads only the modules it runs, not every module an import() names", async () => {
  await using dir = await tempDir();
  const bundle = await buildBundleIn(dir.path);
  const config = `${REPO_ROOT}tests/fixtures/apps/web-api.yaml`;
  assertEquals((await run(bundle, ["--db", "d.db", "config", "add", config])).code, 0);
  // A Deno directory of its own: Deno notes there each module it parsed and each it compiled.
  const denoDir = `${dir.path}/deno`;
  assertEquals((await run(bundle, ["--db", "d.db", "status"], { DENO_DIR: denoDir })).code, 0);
  const [program] = [...Deno.readDirSync(`${dir.path}/cache`)].map((e) => e.name);
  const folder = pathToFileURL(`${dir.path}/cache/${program}`).href;
  const specifiers = (file: string, table: string) => {
    const cache = new DatabaseSync(`${denoDir}/${file}`, { readOnly: true });
    try {
      const rows = cache.prepare(`SELECT specifier FROM ${table}`).all() as { specifier: string }[];
      return rows.map((r) => r.specifier).filter((s) => s.startsWith(folder));
    } finally {
      cache.close();
    }
  };
  const parsed = specifiers("dep_analysis_cache_v2", "moduleinfocache");
  const ran = new Set(specifiers("v8_code_cache_v2", "codecache"));
  assert(ran.size > 1, "status ran modules of the program");
  assertEquals(parsed.filter((specifier) => !ran.has(specifier)), []);
});
