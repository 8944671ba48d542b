import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { tableCounts } from "../_db.ts";
import { cleanEnv, cli, cliJson, decoded, PERMISSIONS, tempDir } from "../_cli.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname;

/** Runs the demo from the source tree, or the given single-file bundle of it. */
async function demo(args: string[], cwd: string, bundle?: string) {
  const config = bundle ? ["--no-config"] : ["--config", `${REPO_ROOT}deno.json`];
  return decoded(
    await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        ...config,
        ...PERMISSIONS,
        bundle ?? `${REPO_ROOT}src/cli/demo.ts`,
        ...args,
      ],
      cwd,
      // HOME inside the temp folder, so a real ~/.config/dockswap-cfg cannot be picked up.
      env: cleanEnv({ HOME: cwd }),
      clearEnv: true,
      stdin: "null",
    }).output(),
  );
}

Deno.test("demo: the scenario runs on the default database and ends with both apps stable", async () => {
  await using dir = await tempDir();
  const run = await demo([], dir.path);
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "$ dockswap-db status");
  assertStringIncludes(run.stderr, "[app_failed]");
  const db = `${dir.path}/dockswap.db`;
  const states = await cliJson<{ app_name: string; status: string; image: string }[]>(db, [
    "status",
  ]);
  assertEquals(states.map((s) => [s.app_name, s.status, s.image]), [
    ["web-api", "stable", "registry.example.com/web-api:1.4.0"],
    ["worker", "stable", "registry.example.com/worker:2.0.1"],
  ]);
  const history = await cliJson<{ status: string; rollback_of: number | null }[]>(db, [
    "history",
    "web-api",
  ]);
  assertEquals(history.map((d) => d.status), ["success", "success", "rolled_back", "success"]);
  assertEquals(history[0].rollback_of !== null, true);

  // Run again on the same file, its story of first deployments would be untrue (and its payloads
  // would name the wrong color): it refuses, says how to run it afresh, and writes nothing.
  const counts = tableCounts(db);
  const again = await demo([], dir.path);
  assertEquals(again.code, 1, again.stdout);
  assertStringIncludes(again.stderr, "already has deployments");
  assertEquals(again.stdout.includes("first deployment"), false, again.stdout);
  assertEquals(tableCounts(db), counts);
  const fresh = again.stderr.match(/the same command with --db (.+?) \(in place of its --db/)?.[1];
  assert(fresh, again.stderr);
  // Followed as a tired operator would: the command's own --db kept, the new one added after it.
  const path = fresh.replace("$(date +%s)", `${Date.now()}-${Deno.pid}`);
  try {
    const followed = await demo(["--db", db, "--db", path], dir.path);
    assertEquals(followed.code, 0, followed.stderr);
    assertEquals(tableCounts(db), counts);
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => {});
  }

  // Over an app left in flight the demo refuses too, writing nothing.
  await cliJson(db, ["deploy", "start", "web-api", "--image", "web-api:stuck"]);
  const refused = await demo([], dir.path);
  assertEquals(refused.code, 1);
  assertStringIncludes(refused.stderr, "in flight");
  assertStringIncludes(refused.stderr, "--db");
  const after = await cli(["--db", db, "--json", "status", "web-api"]);
  assertEquals(JSON.parse(after.stdout).status, "starting");
});

Deno.test("demo: bundled into one file alone in an empty folder, it runs on its built-in configs", async () => {
  await using dir = await tempDir();
  const bundle = `${dir.path}/demo.js`;
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "--output", bundle, "src/cli/demo.ts"],
    cwd: REPO_ROOT,
    stdout: "null",
    stderr: "inherit",
  }).output();
  assertEquals(built.code, 0);
  const run = await demo(["--db", "demo.db"], dir.path, bundle);
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "--config - < web-api-v2.yaml");
  const config = await cliJson<{ config_yaml: string }>(`${dir.path}/demo.db`, [
    "config",
    "show",
    "web-api",
  ]);
  // The rolled-back 1.5.0 brought web-api-v2.yaml; 1.5.1 reused it (the latest stored).
  assertEquals(
    config.config_yaml,
    await Deno.readTextFile(`${REPO_ROOT}src/cli/demo_configs/web-api-v2.yaml`),
  );
});
