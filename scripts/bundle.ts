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
 * installed cannot change how it runs; `--ext=js` because Deno reads a file without an extension
 * as TypeScript, and would go through its transpile cache on every start.
 */
export function shebang(): string {
  const line = `#!/usr/bin/env -S deno run --no-config --ext=js ${permissionFlags().join(" ")}`;
  if (line.length > SHEBANG_LIMIT) {
    throw new Error(`bundle: the #! line is ${line.length} bytes, over ${SHEBANG_LIMIT}: ${line}`);
  }
  return line;
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
    const js = `${work}/dockswap-db.js`;
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "deno", "--output", js, `${REPO}src/main.ts`],
      cwd: REPO,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) return code;
    const body = (await Deno.readTextFile(js)).replace(/^#!.*\n/, "");
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
