/**
 * `deno task bundle [--output PATH]`: the single-file build, runnable as a command. Writes
 * dist/dockswap-db, mode 0755: a `#!/usr/bin/env -S deno run ...` line with the permission flags
 * of `deno task compile`, then scripts/bundle_loader.ts bundled (it answers `--version`), then,
 * in a comment, an archive of src/main.ts bundled with code splitting: the program as modules,
 * which the loader unpacks into a cache folder on first use and imports from there. Installing
 * is copying the file onto PATH on any host with Deno; it downloads nothing when it runs.
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { gzipSync } from "node:zlib";
import { versionLine } from "../src/cli/version.ts";
import { sqliteVersion } from "../src/db/database.ts";

const REPO = new URL("..", import.meta.url).pathname;

// Linux before 5.1 cuts a #! line at 127 bytes, so the flags take their short spellings
// (-R is --allow-read, -W --allow-write, -N --allow-net, -E --allow-env; --ignore-env has none).
const SHORT: Record<string, string> = {
  "--allow-read": "-R",
  "--allow-write": "-W",
  "--allow-net": "-N",
  "--allow-env": "-E",
  "--ignore-env": "--ignore-env",
};
const SHEBANG_LIMIT = 127;

/** The compile task's permission flags, in their short spellings. */
function permissionFlags(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO}deno.json`));
  const flags = (config.tasks.compile as string).split(/\s+/).filter((a) =>
    /^--(allow|ignore)-/.test(a)
  );
  return flags.map((flag) => {
    const [name, value] = flag.split(/=(.*)/s);
    if (!(name in SHORT)) throw new Error(`bundle: no short spelling for ${name}; add it to SHORT`);
    return value === undefined ? SHORT[name] : `${SHORT[name]}=${value}`;
  });
}

/**
 * What the loader alone needs beyond the program's permissions: the user id, to use a cache folder
 * only when it and every folder above it are that user's (or root's). The compiled binary has no
 * loader and does not ask for it.
 */
const LOADER_PERMISSION = "-S=uid";

/**
 * The #! line: `--no-config` so that a deno.json or package.json near where the file is
 * installed cannot change how it runs; `--ext=js` because Deno takes a file without an extension
 * for TypeScript, and going through its TypeScript path costs each start about as much CPU again
 * as an empty script.
 */
export function shebang(): string {
  const flags = ["--no-config", "--ext=js", ...permissionFlags(), LOADER_PERMISSION];
  const line = `#!/usr/bin/env -S deno run ${flags.join(" ")}`;
  if (line.length > SHEBANG_LIMIT) {
    throw new Error(`bundle: the #! line is ${line.length} bytes, over ${SHEBANG_LIMIT}: ${line}`);
  }
  return line;
}

/**
 * Packages the program loads with `import()` whose own `node:` imports (the postgres client's
 * node:net, tls, crypto, ...) would otherwise sit in a module of the program every command loads:
 * each is bundled on its own, as a module of the archive that `import("name")` then names.
 */
const LAZY_PACKAGES = ["postgres"];

/**
 * What scripts/bundle_loader.ts says in place of its version line, the archive's id and its
 * folder's name.
 */
const VERSION_LINE_MARK = "@VERSION_LINE@";
const ARCHIVE_ID_MARK = "@ARCHIVE_ID@";
const FOLDER_NAME_MARK = "@FOLDER_NAME@";
/** What opens the archive's comment. */
const ARCHIVE_MARK = "/*dockswap-db archive\n";

/**
 * `deno bundle` of one entry with the repository's import map, the packages named in `external`
 * left as imports, into `output` (with code splitting: a folder of modules, the entry's named
 * after it); true when it succeeded (deno bundle printed why not).
 * `browser` picks the ESM build of packages that ship one (yaml's): the default picks its
 * CommonJS build, whose `createRequire` from node:module the bundle imports on line one, loading
 * Deno's Node layer for every command. `node:` imports are kept either way.
 */
async function bundle(
  entry: string,
  output: { file: string } | { splitInto: string },
  external: string[],
): Promise<boolean> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=browser",
      // A smaller file starts faster: every start reads and compiles all of it.
      "--minify",
      "--keep-names",
      `--config=${REPO}deno.json`,
      ...external.map((name) => `--external=${name}`),
      ...("file" in output
        ? [`--output=${output.file}`]
        : ["--code-splitting", `--outdir=${output.splitInto}`]),
      entry,
    ],
    cwd: REPO,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code === 0;
}

/**
 * The program's modules (file name to text): src/main.ts split into modules, and each lazy
 * package as a module of its own; undefined after printing why not.
 */
async function programModules(work: string): Promise<Record<string, string> | undefined> {
  const folder = `${work}/program`;
  if (!await bundle(`${REPO}src/main.ts`, { splitInto: folder }, LAZY_PACKAGES)) return undefined;
  const modules: Record<string, string> = {};
  for (const entry of Deno.readDirSync(folder)) {
    if (!entry.isFile || !entry.name.endsWith(".js")) {
      console.error(`bundle: unexpected ${entry.name} in deno bundle's output`);
      return undefined;
    }
    modules[entry.name] = await Deno.readTextFile(`${folder}/${entry.name}`);
  }
  if (!("main.js" in modules)) {
    console.error("bundle: deno bundle wrote no main.js for src/main.ts");
    return undefined;
  }
  if (Object.values(modules).some((text) => /from\s*"node:module"/.test(text))) {
    console.error("bundle: a CommonJS package needs node:module; use its ESM build");
    return undefined;
  }
  for (const name of LAZY_PACKAGES) {
    const call = `import("${name}")`;
    const callers = Object.keys(modules).filter((file) => modules[file].includes(call));
    if (callers.length === 0) {
      console.error(`bundle: src/ no longer has ${call}; remove "${name}" from LAZY_PACKAGES`);
      return undefined;
    }
    const file = `${name}.js`;
    const entry = `${work}/${name}-entry.js`;
    await Deno.writeTextFile(entry, `export { default } from "${name}";\n`);
    if (!await bundle(entry, { file: `${work}/${file}` }, [])) return undefined;
    modules[file] = await Deno.readTextFile(`${work}/${file}`);
    for (const caller of callers) {
      modules[caller] = modules[caller].replaceAll(call, `import("./${file}")`);
    }
  }
  return importedWhenReached(modules);
}

/**
 * Deno reads and parses every module a literal `import("./x.js")` names as soon as the module
 * holding it loads, so every command would read the whole program. A specifier Deno cannot read
 * ahead of time (`import(String("./x.js"))`) makes a command load only the modules it reaches.
 * (Deno's own `node:` modules stay literal: they are not read from files.)
 */
function importedWhenReached(
  modules: Record<string, string>,
): Record<string, string> | undefined {
  const rewritten: Record<string, string> = {};
  for (const [file, text] of Object.entries(modules)) {
    rewritten[file] = text.replace(
      /\bimport\("\.\/([^"]+)"\)/g,
      (_call, name: string) => `import(String("./${name}"))`,
    );
    const literal = rewritten[file].match(/\bimport\(\s*["'`](?!node:)/);
    if (literal) {
      console.error(`bundle: ${file} has an import() this script does not know: ${literal[0]}`);
      return undefined;
    }
  }
  return rewritten;
}

/** The files as scripts/bundle_loader.ts unpacks them: a JSON line of names and sizes, the bytes. */
function pack(modules: Record<string, string>): Uint8Array {
  const files = Object.entries(modules).map(([name, text]) =>
    [name, new TextEncoder().encode(text)] as const
  );
  const header = JSON.stringify(files.map(([name, bytes]) => [name, bytes.length]));
  const parts = [new TextEncoder().encode(`${header}\n`), ...files.map(([, bytes]) => bytes)];
  const packed = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    packed.set(part, offset);
    offset += part.length;
  }
  return packed;
}

async function main(args: string[]): Promise<number> {
  const index = args.indexOf("--output");
  const output = index >= 0 ? args[index + 1] : `${REPO}dist/dockswap-db`;
  if (!output) {
    console.error("usage: deno task bundle [--output PATH]");
    return 2;
  }
  const work = await Deno.makeTempDir({ prefix: "dockswap-db-bundle-" });
  try {
    const modules = await programModules(work);
    if (modules === undefined) return 1;
    const archive = gzipSync(pack(modules), { level: 9 });
    const id = createHash("sha256").update(archive).digest("hex").slice(0, 32);
    const loaderFile = `${work}/loader.js`;
    if (!await bundle(`${REPO}scripts/bundle_loader.ts`, { file: loaderFile }, [])) return 1;
    let loader = (await Deno.readTextFile(loaderFile)).replace(/^#!.*\n/, "");
    const line = versionLine().replace(`SQLite ${sqliteVersion()}`, "SQLite @SQLITE@");
    // The folder is named by the loader as well as the archive: a loader that lays out or checks
    // the folder differently never meets one an older loader unpacked.
    const folder = createHash("sha256").update(loader).update(archive).digest("hex").slice(0, 32);
    const marks = [[VERSION_LINE_MARK, line], [ARCHIVE_ID_MARK, id], [FOLDER_NAME_MARK, folder]];
    for (const [mark, value] of marks) {
      if (loader.split(mark).length !== 2 || !line.includes("@SQLITE@")) {
        console.error(
          `bundle: the loader's ${mark} or ${line} is not as scripts/bundle.ts expects`,
        );
        return 1;
      }
      loader = loader.replace(mark, value);
    }
    // A comment costs Deno's parser the least per byte, and base64 holds no "*/".
    const body = `${loader}\n${ARCHIVE_MARK}${archive.toString("base64")}\n*/\n`;
    await Deno.mkdir(dirname(output), { recursive: true });
    // Written beside the target and renamed over it: an interrupted build leaves no half file.
    const partial = `${output}.partial`;
    await Deno.writeTextFile(partial, `${shebang()}\n${body}`, { mode: 0o755 });
    await Deno.chmod(partial, 0o755);
    await Deno.rename(partial, output);
    console.error(`Wrote ${output}`);
    return 0;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
