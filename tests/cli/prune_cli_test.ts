import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, createDatabase, FIXTURES, tempDir } from "../_cli.ts";
import { query, tableCounts } from "../_db.ts";
import { addHistory } from "../_history.ts";

interface PruneResult {
  dry_run: boolean;
  deployments: { id: number; app_name: string }[];
  events: number;
  configs: { id: number }[];
  kept_as_rollback_target: number[];
}

async function setup(dir: string) {
  const db = `${dir}/d.db`;
  await createDatabase(db);
  const web = addHistory(db, { app: "web-api", deployments: 6 });
  const worker = addHistory(db, {
    app: "worker",
    deployments: 3,
    inFlight: true,
    inFlightSince: "2026-01-01T01:00:00.000Z",
  });
  // web-api's newest deployment rolled back to its first one.
  const raw = new DatabaseSync(db);
  raw.prepare("UPDATE deployments SET rollback_of = ? WHERE id = ?").run(
    web.deployments[0],
    web.deployments[5],
  );
  raw.close();
  return { db, web, worker };
}

Deno.test("prune is a dry run by default and --yes deletes exactly what it listed", async () => {
  await using dir = await tempDir();
  const { db, web, worker } = await setup(dir.path);
  const before = tableCounts(db);
  const dry = await cli(["--db", db, "--json", "prune", "--keep-last", "2"]);
  assertEquals(dry.code, 0, dry.stderr);
  assertStringIncludes(dry.stderr, "--yes");
  const plan = JSON.parse(dry.stdout) as PruneResult;
  assertEquals(tableCounts(db), before, "a dry run changed the database");
  assertEquals(plan.dry_run, true);
  // web-api keeps #5, #6 (latest two) and #1 (what #6 rolled back to); worker keeps its two
  // newest, one of them in flight.
  assertEquals(plan.deployments.map((d) => d.id).sort((a, b) => a - b), [
    ...web.deployments.slice(1, 4),
    worker.deployments[0],
  ]);
  assertEquals(plan.kept_as_rollback_target, [web.deployments[0]]);
  assertEquals(plan.configs.map((c) => c.id).sort((a, b) => a - b), [
    ...web.configs.slice(1, 4),
    worker.configs[0],
  ]);
  assertEquals(plan.events, 4 * 6);

  const done = await cliJson<PruneResult>(db, ["prune", "--keep-last", "2", "--yes"]);
  assertEquals(done.dry_run, false);
  assertEquals(done.deployments, plan.deployments);
  assertEquals(done.events, plan.events);
  const after = tableCounts(db);
  assertEquals(after.deployments, before.deployments - 4);
  assertEquals(after.deployment_events, before.deployment_events - 24);
  assertEquals(after.app_configs, before.app_configs - 4);
  assertEquals(
    query(db, "SELECT count(*) AS n FROM deployments WHERE status = 'in_progress'"),
    [{ n: 1 }],
  );
  const doctor = await cli(["--db", db, "--json", "doctor", "--stuck-after", "5000w"]);
  assertEquals(doctor.code, 0, doctor.stdout);
  // Nothing more to do the second time.
  const again = await cliJson<PruneResult>(db, ["prune", "--keep-last", "2", "--yes"]);
  assertEquals([again.deployments.length, again.configs.length, again.events], [0, 0, 0]);
});

Deno.test("prune --older-than with --app touches only that app's old rows; the live deployment stays", async () => {
  await using dir = await tempDir();
  const { db, web, worker } = await setup(dir.path);
  const plan = await cliJson<PruneResult>(db, [
    "prune",
    "--older-than",
    "1d",
    "--app",
    "worker",
  ]);
  assertEquals(new Set(plan.deployments.map((d) => d.app_name)), new Set(["worker"]));
  // worker's in-flight deployment (current_state's) and the one serving traffic meanwhile (the
  // newest success) stay: only the oldest goes.
  assertEquals(plan.deployments.map((d) => d.id), [worker.deployments[0]]);
  // The live deployment (newest success) stays even when a later one failed before moving
  // traffic (a hand edit standing for a failed health check: its traffic event removed).
  const raw = new DatabaseSync(db);
  raw.prepare("UPDATE deployments SET status = 'failed' WHERE id = ?").run(web.deployments[5]);
  raw.prepare("DELETE FROM deployment_events WHERE deployment_id = ? AND event_type = ?").run(
    web.deployments[5],
    "caddy_updated",
  );
  raw.close();
  const live = await cliJson<PruneResult>(db, ["prune", "--keep-last", "1", "--app", "web-api"]);
  const listed = live.deployments.map((d) => d.id);
  assertEquals(listed.includes(web.deployments[4]), false, "the live deployment was listed");
  assertEquals(listed.includes(web.deployments[3]), true);
  const refused = await cli(["--db", db, "prune"]);
  assertEquals(refused.code, 2);
  assertStringIncludes(refused.stderr, "--keep-last");
  const bad = await cli(["--db", db, "prune", "--older-than", "ninety days"]);
  assertEquals(bad.code, 2);
});

Deno.test("prune and rollback agree on the live deployment: one that moved traffic and then failed is live", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const yaml = `${FIXTURES}apps/web-api.yaml`;
  const start = async (image: string) =>
    (await cliJson<{ deployment: { id: number } }>(db, [
      "deploy",
      "start",
      "web-api",
      "--image",
      image,
      "--config",
      yaml,
    ])).deployment.id;
  const events = async (id: number, types: string[]) => {
    for (const type of types) await cliJson(db, ["deploy", "event", String(id), type]);
  };
  const first = await start("web:1");
  await events(first, [
    "container_started",
    "health_check_passed",
    "caddy_updated",
    "drain_complete",
    "container_stopped",
  ]);
  // Traffic moves to web:2, then stopping the old containers fails: web:2 serves, status failed.
  const second = await start("web:2");
  await events(second, [
    "container_started",
    "health_check_passed",
    "caddy_updated",
    "drain_complete",
    "stop_failed",
  ]);
  await cliJson(db, ["recover", "web-api"]);
  // web:3 never starts; current_state now points at it.
  const third = await start("web:3");
  await events(third, ["container_failed"]);
  await cliJson(db, ["recover", "web-api"]);
  assertEquals(
    query(db, "SELECT image, deployment_id FROM current_state"),
    [{ image: "web:2", deployment_id: third }],
  );

  // Rollback's default target is the newest success other than the live one: web:1, not web:2.
  const rollback = await cliJson<{ deployment: { rollback_of: number } }>(db, [
    "rollback",
    "web-api",
  ]);
  assertEquals(rollback.deployment.rollback_of, first);
  await cliJson(db, ["recover", "web-api"]);
  // Prune keeps the live web:2 (it used to keep only the newest success, web:1).
  const plan = await cliJson<PruneResult>(db, ["prune", "--keep-last", "1"]);
  const listed = plan.deployments.map((d) => d.id);
  assertEquals(listed.includes(second), false, "the live deployment was listed");
  assertEquals(listed.includes(third), true);
});

Deno.test("durations longer than 100 years are refused with a clear message, never a stack trace", async () => {
  await using dir = await tempDir();
  const { db } = await setup(dir.path);
  const before = tableCounts(db);
  for (
    const [args, flag] of [
      [["prune", "--older-than", "99999999999w", "--yes"], "--older-than"],
      [["prune", "--older-than", "36501d", "--yes"], "--older-than"],
      [["doctor", "--stuck-after", "9999999999999d"], "--stuck-after"],
      [["export", "--since", "99999999999w"], "--since"],
      [["export", "--until", "2000000000000d"], "--until"],
    ] as const
  ) {
    const run = await cli(["--db", db, ...args]);
    assertEquals(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assertStringIncludes(run.stderr, flag);
    assertStringIncludes(run.stderr, "36500d (100 years)");
    assertEquals(/\bat .*\.ts:\d+|RangeError|Invalid Date/.test(run.stderr), false, run.stderr);
    assertEquals(run.stdout, "");
  }
  // The maximum itself works.
  assertEquals((await cli(["--db", db, "prune", "--older-than", "36500d"])).code, 0);
  assertEquals(tableCounts(db), before);
});
