/**
 * Builds the single-file bundle, copies it alone into an empty folder and runs the whole test
 * suite against it (DOCKSWAP_DB_ENTRY), under the permissions `deno task compile` bakes in.
 * A file the program reads from disk instead of importing, or a missing permission, fails here.
 */
const repo = new URL("..", import.meta.url).pathname;
const alone = await Deno.makeTempDir({ prefix: "dockswap-db-bundle-" });
const entry = `${alone}/dockswap-db.js`;

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

let code = await run(["bundle", "--quiet", "--platform", "deno", "--output", entry, "src/main.ts"]);
if (code === 0) {
  const contents = [...Deno.readDirSync(alone)].map((e) => e.name);
  if (contents.length !== 1) {
    throw new Error(`bundle folder holds more than the bundle: ${contents}`);
  }
  console.log(`Running the test suite against ${entry} (alone in its folder)`);
  code = await run(
    ["test", "--allow-read", "--allow-write", "--allow-env", "--allow-run", "tests/"],
    { DOCKSWAP_DB_ENTRY: entry },
  );
}
await Deno.remove(alone, { recursive: true });
Deno.exit(code);
