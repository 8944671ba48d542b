/**
 * The one-file bundle's cache folder (scripts/bundle_loader.ts): a command unpacks the program
 * once, owner-only, into `$DOCKSWAP_CACHE_DIR/<build id>`, renamed into place complete; a folder
 * that is a link, someone else's, open to others or below a folder others can write is not used,
 * and then the program is kept in `$TMPDIR/dockswap-db-<uid>` instead.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { FIXTURES, tempDir } from "../_cli.ts";
import { buildBundle } from "../_bundle.ts";

const PLANTED = "PLANTED-CODE-RAN";

/** This process's user (the tests run without --allow-sys): the owner of a file it makes. */
const UID = (() => {
  const probe = Deno.makeTempFileSync();
  try {
    return Deno.statSync(probe).uid;
  } finally {
    Deno.removeSync(probe);
  }
})();

let built: Promise<string> | undefined;

/** The bundle, built once for this file into a folder of its own. */
function bundle(): Promise<string> {
  built ??= (async () => {
    const folder = await Deno.makeTempDir({ prefix: "dockswap-db-cache-test-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(folder, { recursive: true }));
    return await buildBundle(`${folder}/dockswap-db`);
  })();
  return built;
}

interface Place {
  path: string;
  cache: string;
  tmp: string;
  env: Record<string, string>;
}

/** A test's folders: the cache folder (not made yet), TMPDIR and Deno's own cache. */
async function place(path: string): Promise<Place> {
  const tmp = `${path}/tmp`;
  await Deno.mkdir(tmp);
  const cache = `${path}/above/cache`;
  return {
    path,
    cache,
    tmp,
    env: { DOCKSWAP_CACHE_DIR: cache, TMPDIR: tmp, DENO_DIR: `${path}/deno` },
  };
}

/** The bundle run as installed, by its #! line, with only `env` (and PATH) set. */
async function run(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(await bundle(), {
    args,
    cwd,
    stdin: "null",
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH")!, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, output: decode(stdout) + decode(stderr) };
}

/** `status` of a database holding a config: works, and says what planted code printed. */
async function status(p: Place, env: Record<string, string> = p.env): Promise<string> {
  const db = `${p.path}/d.db`;
  const add = await run(["--db", db, "config", "add", `${FIXTURES}apps/web-api.yaml`], env, p.path);
  assertEquals(add.code, 0, add.output);
  const result = await run(["--db", db, "status"], env, p.path);
  assertEquals(result.code, 0, result.output);
  return result.output;
}

function entries(path: string): string[] {
  return [...Deno.readDirSync(path)].map((entry) => entry.name).sort();
}

/** The one folder of the program in `cache` (beside what a killed process left). */
function programFolder(cache: string): string {
  const names = entries(cache).filter((name) => !name.startsWith(".unpack-"));
  assertEquals(names.length, 1, `cache holds ${names}`);
  assertEquals(/^[0-9a-f]{32}$/.test(names[0]), true, names[0]);
  return `${cache}/${names[0]}`;
}

/**
 * Adds code to the unpacked program that prints PLANTED when it runs, and its new size to the
 * folder's completion mark (so that only the folder's place decides whether it is used).
 */
function plant(folder: string): void {
  Deno.writeTextFileSync(`${folder}/main.js`, `\nconsole.error("${PLANTED}");\n`, {
    append: true,
  });
  const mark = `${folder}/.complete`;
  const sizes: [string, number][] = JSON.parse(Deno.readTextFileSync(mark));
  const size = Deno.statSync(`${folder}/main.js`).size;
  const planted = sizes.map(([name, old]) => [name, name === "main.js" ? size : old]);
  Deno.writeTextFileSync(mark, JSON.stringify(planted));
}

/** The cache folder a command falls back to when the chosen one cannot be used. */
function fallbackIn(p: Place): string {
  return `${p.tmp}/dockswap-db-${UID}`;
}

function modeOf(path: string): number {
  return Deno.lstatSync(path).mode! & 0o777;
}

Deno.test("bundle cache: --version unpacks nothing; a command unpacks the program owner-only, once, and later starts run it from there", async () => {
  await using dir = await tempDir();
  const p = await place(dir.path);
  const version = await run(["--version"], p.env, p.path);
  assertEquals(version.code, 0, version.output);
  assertEquals(entries(p.path).includes("above"), false, "--version made the cache folder");

  await status(p);
  assertEquals(modeOf(p.cache), 0o700);
  const folder = programFolder(p.cache);
  assertEquals(modeOf(folder), 0o700);
  const files = entries(folder);
  assert(files.includes("main.js") && files.length > 10, `unpacked: ${files}`);
  for (const name of files) {
    const info = Deno.lstatSync(`${folder}/${name}`);
    assert(info.isFile, `${name} is not a plain file`);
    assertEquals(info.mode! & 0o777, 0o600, name);
  }
  assertEquals(entries(p.tmp), []);
  plant(folder);
  assertStringIncludes(await status(p), PLANTED, "a later start does not use the folder");
});

Deno.test("bundle cache: a folder open to others, someone else's, a link or below a folder others can write is not used; the program is kept in TMPDIR instead", async (t) => {
  const isRoot = UID === 0;
  const cases: [string, (p: Place, folder: string) => void, boolean][] = [
    ["group-writable folder", (_, folder) => Deno.chmodSync(folder, 0o770), false],
    ["cache root writable by others", (p) => Deno.chmodSync(p.cache, 0o777), false],
    ["folder of another user", (_, folder) => Deno.chownSync(folder, 65534, 65534), !isRoot],
    ["folder is a link", (p, folder) => {
      // The planted program, kept private and ours: only the link makes it unusable.
      Deno.renameSync(folder, `${p.path}/elsewhere`);
      Deno.symlinkSync(`${p.path}/elsewhere`, folder);
    }, false],
    ["a folder above writable by others", (p) => Deno.chmodSync(`${p.path}/above`, 0o777), false],
    ["a folder above of another user", (p) => Deno.chownSync(`${p.path}/above`, 65534, 0), !isRoot],
  ];
  for (const [name, spoil, ignore] of cases) {
    await t.step({
      name,
      ignore,
      fn: async () => {
        await using dir = await tempDir();
        const p = await place(dir.path);
        await status(p);
        const folder = programFolder(p.cache);
        plant(folder);
        spoil(p, folder);
        const output = await status(p);
        assertEquals(output.includes(PLANTED), false, "the planted code ran");
        assertEquals(entries(p.tmp), [`dockswap-db-${UID}`]);
        assertEquals(modeOf(fallbackIn(p)), 0o700);
        assertEquals(entries(fallbackIn(p)).length, 1, "the fallback holds one program");
      },
    });
  }
});

Deno.test("bundle cache: a program folder not whole (its mark, a file or a file's bytes missing) fails as a file error naming the folder; deleted, it is unpacked again", async (t) => {
  const spoilers: [string, (folder: string) => void][] = [
    ["no completion mark", (folder) => Deno.removeSync(`${folder}/.complete`)],
    ["a module missing", (folder) => {
      const chunk = entries(folder).find((name) => name.startsWith("chunk-"))!;
      Deno.removeSync(`${folder}/${chunk}`);
    }],
    ["main.js cut short", (folder) => Deno.truncateSync(`${folder}/main.js`, 100)],
  ];
  for (const [name, spoil] of spoilers) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const p = await place(dir.path);
      await status(p);
      const folder = programFolder(p.cache);
      spoil(folder);
      const result = await run(["--db", `${p.path}/d.db`, "status"], p.env, p.path);
      assertEquals(result.code, 8, result.output);
      assertStringIncludes(result.output, `${folder} is damaged`);
      assertStringIncludes(result.output, "delete that folder");
      Deno.removeSync(folder, { recursive: true });
      await status(p);
    });
  }
});

Deno.test("bundle cache: a cache folder reached through a link is used at the link's target", async () => {
  await using dir = await tempDir();
  const p = await place(dir.path);
  await Deno.mkdir(`${p.path}/above`, { mode: 0o700 });
  Deno.symlinkSync(`${p.path}/above`, `${p.path}/link`);
  await status(p, { ...p.env, DOCKSWAP_CACHE_DIR: `${p.path}/link/cache` });
  assert(entries(programFolder(p.cache)).includes("main.js"));
  assertEquals(entries(p.tmp), []);
});

Deno.test("bundle cache: a write past `ulimit -f` while unpacking fails as a file error, and leaves no partial folder", async () => {
  await using dir = await tempDir();
  const p = await place(dir.path);
  // Deno's own cache is turned off for that run, so that the first large write is the loader's.
  const limited = await new Deno.Command("bash", {
    args: ["-c", `ulimit -f 16; exec "$0" --db d.db status`, await bundle()],
    cwd: p.path,
    clearEnv: true,
    env: { ...p.env, PATH: Deno.env.get("PATH")!, DENO_DIR: "/proc/self/no-deno-dir" },
  }).output();
  const output = new TextDecoder().decode(limited.stderr);
  assertEquals(limited.code, 8, output);
  assertStringIncludes(output, "File too large");
  assertStringIncludes(output, "[io_error]");
  assertEquals(entries(p.cache), []);
  assertEquals(entries(fallbackIn(p)), []);

  // The next start unpacks its own copy, complete.
  await status(p);
  assert(entries(programFolder(p.cache)).includes("main.js"));
});

Deno.test("bundle cache: a copy whose archive is not the one its loader names (replaced while starting) refuses to unpack", async () => {
  await using dir = await tempDir();
  const p = await place(dir.path);
  const text = await Deno.readTextFile(await bundle());
  const other = `${p.path}/dockswap-db`;
  // The archive's id (and the folder's name) made another build's.
  const renamed = text.replaceAll(/"[0-9a-f]{32}"/g, `"${"0".repeat(32)}"`);
  await Deno.writeTextFile(other, renamed, { mode: 0o755 });
  const { code, stderr } = await new Deno.Command(other, {
    args: ["--db", `${p.path}/d.db`, "status"],
    clearEnv: true,
    env: { ...p.env, PATH: Deno.env.get("PATH")! },
  }).output();
  const output = new TextDecoder().decode(stderr);
  assertEquals(code, 8, output);
  assertStringIncludes(output, "the file changed while it started");
  assertEquals(entries(p.cache).filter((name) => !name.startsWith(".unpack-")), []);
});

Deno.test("bundle cache: with a HOME that cannot be written, or none, a command runs from TMPDIR's folder, the same one each time", async (t) => {
  for (
    const [name, home] of [["read-only HOME", "/proc/self/home"], ["no HOME", undefined]] as const
  ) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const p = await place(dir.path);
      const env: Record<string, string> = { TMPDIR: p.tmp, DENO_DIR: p.env.DENO_DIR };
      if (home) env.HOME = home;
      await status(p, env);
      const folder = programFolder(fallbackIn(p));
      assertEquals(entries(p.tmp), [`dockswap-db-${UID}`]);
      plant(folder);
      assertStringIncludes(await status(p, env), PLANTED, "a later start unpacked again");
    });
  }
});

Deno.test({
  name: "bundle cache: root with another user's HOME makes no folder in it",
  ignore: UID !== 0,
  fn: async () => {
    await using dir = await tempDir();
    const p = await place(dir.path);
    const home = `${p.path}/home`;
    await Deno.mkdir(home);
    Deno.chownSync(home, 65534, 65534);
    await status(p, { HOME: home, TMPDIR: p.tmp, DENO_DIR: p.env.DENO_DIR });
    assertEquals(entries(home), []);
    programFolder(fallbackIn(p));
  },
});

Deno.test("bundle cache: with no folder to unpack into, a command fails as a file error, saying what to do", async () => {
  await using dir = await tempDir();
  const p = await place(dir.path);
  await Deno.writeTextFile(`${p.path}/file`, "");
  const result = await run(["--db", `${p.path}/d.db`, "status"], {
    HOME: "/proc/self/home",
    TMPDIR: `${p.path}/file`,
    DENO_DIR: p.env.DENO_DIR,
  }, p.path);
  assertEquals(result.code, 8, result.output);
  assertStringIncludes(result.output, "set DOCKSWAP_CACHE_DIR to a folder of yours");
  assertStringIncludes(result.output, "[io_error]");
  // --version needs no folder.
  const version = await run(
    ["--version"],
    { HOME: "/proc/self/home", TMPDIR: `${p.path}/file` },
    p.path,
  );
  assertEquals(version.code, 0, version.output);
});

Deno.test("bundle cache: processes starting at once with no cache folder all run, and leave one complete folder", async () => {
  await using dir = await tempDir();
  const p = await place(dir.path);
  const db = `${p.path}/d.db`;
  assertEquals((await run(["--db", db, "rpc"], p.env, p.path)).code, 0);
  const runs = await Promise.all(
    Array.from({ length: 4 }, () => run(["--db", db, "--json", "status"], p.env, p.path)),
  );
  for (const result of runs) assertEquals(result.code, 0, result.output);
  const folder = programFolder(p.cache);

  // The same program unpacked by a lone process.
  await using alone = await tempDir();
  const q = await place(alone.path);
  await status(q);
  const reference = programFolder(q.cache);
  assertEquals(entries(folder), entries(reference));
  for (const name of entries(reference)) {
    assertEquals(
      Deno.readTextFileSync(`${folder}/${name}`),
      Deno.readTextFileSync(`${reference}/${name}`),
      name,
    );
  }
});
