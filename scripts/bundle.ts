/**
 * `deno task bundle [--output PATH]`: the single-file build, runnable as a command. Writes
 * dist/dockswap-db: `deno bundle` of src/main.ts behind a `#!/usr/bin/env -S deno run ...` line
 * with the permission flags of `deno task compile`, mode 0755. Installing is copying it onto
 * PATH on any host with Deno; it downloads nothing when it runs.
 */
import { dirname } from "node:path";

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
 * The #! line: `--no-config` so that a deno.json or package.json near where the file is
 * installed cannot change how it runs; `--ext=js` because Deno takes a file without an extension
 * for TypeScript, and going through its TypeScript path costs each start about as much CPU again
 * as an empty script.
 */
export function shebang(): string {
  const flags = ["--no-config", "--ext=js", ...permissionFlags()];
  const line = `#!/usr/bin/env -S deno run ${flags.join(" ")}`;
  if (line.length > SHEBANG_LIMIT) {
    throw new Error(`bundle: the #! line is ${line.length} bytes, over ${SHEBANG_LIMIT}: ${line}`);
  }
  return line;
}

/**
 * Packages the program loads with `import()` whose own `node:` imports (the postgres client's
 * node:net, tls, crypto, ...) would otherwise sit at the top of the one file and load Deno's
 * Node layer for every command: each is bundled on its own and its `import("name")` becomes an
 * import of that text as a data: URL, evaluated only when the call runs.
 */
const LAZY_PACKAGES = ["postgres"];

/**
 * `deno bundle` of one entry with the repository's import map, the packages named in `external`
 * left as imports; the output text, or undefined after printing the failure.
 * `browser` picks the ESM build of packages that ship one (yaml's): the default picks its
 * CommonJS build, whose `createRequire` from node:module the bundle imports on line one, loading
 * Deno's Node layer for every command. `node:` imports are kept either way.
 */
async function bundleFile(
  entry: string,
  work: string,
  external: string[],
): Promise<string | undefined> {
  const js = `${work}/out.js`;
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
      `--output=${js}`,
      entry,
    ],
    cwd: REPO,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code === 0 ? await Deno.readTextFile(js) : undefined;
}

/** A JavaScript module's text as a data: URL (base64 of its UTF-8). */
function dataUrl(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return `data:text/javascript;base64,${btoa(binary)}`;
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
    const program = await bundleFile(`${REPO}src/main.ts`, work, LAZY_PACKAGES);
    if (program === undefined) return 1;
    let body = program.replace(/^#!.*\n/, "");
    if (/from\s*"node:module"/.test(body)) {
      console.error(
        "bundle: a CommonJS package needs node:module in every start; use its ESM build",
      );
      return 1;
    }
    for (const name of LAZY_PACKAGES) {
      const call = `import("${name}")`;
      const calls = body.split(call).length - 1;
      if (calls === 0) {
        console.error(`bundle: src/ no longer has ${call}; remove "${name}" from LAZY_PACKAGES`);
        return 1;
      }
      const entry = `${work}/${name}.js`;
      await Deno.writeTextFile(entry, `export { default } from "${name}";\n`);
      const text = await bundleFile(entry, work, []);
      if (text === undefined) return 1;
      body = body.replaceAll(call, `import("${dataUrl(text)}")`);
    }
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
