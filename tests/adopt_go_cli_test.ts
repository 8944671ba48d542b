import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { cli, tempDir } from "./_cli.ts";
import { query } from "./_db.ts";
import { GO_SCHEMA, makeGoDockswapDb } from "./fixtures/make_go_dockswap_db.ts";

/** The deployment status each fixture row must end with (see README "Adopting"). */
const EXPECTED_STATUS: Record<number, string> = {
  1: "success", // success
  2: "success", // active
  3: "rolled_back", // rolled_back
  4: "failed", // deploying, superseded by 5
  5: "failed", // failed
  6: "success", // ready
  7: "failed", // unknown
  8: "in_progress", // deploying, the app's latest
  77: "failed", // missing; rebuilt from its events
};

Deno.test("a Go dockswap database is backed up, adopted in place, and every row is accounted for", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  const go = makeGoDockswapDb(db);
  const dump = (path: string) =>
    Object.fromEntries(
      [...Object.keys(go), "schema_version", "sqlite_sequence"].map((t) => [
        t,
        query(path, `SELECT _rowid_ AS rowid_, * FROM ${t} ORDER BY 1, 2`),
      ]),
    );
  const original = dump(db);
  const originalSchema = query(db, "SELECT type, name, sql FROM sqlite_schema ORDER BY name");

  const first = await cli(["--db", db, "export", "--table", "deployments"]);
  assertEquals(first.code, 0, first.stderr);
  assertStringIncludes(first.stderr, "Adopted Go dockswap database");
  const backup = /Backup of the original: (\S+)/.exec(first.stderr)?.[1];
  assert(backup, first.stderr);
  assert(backup.startsWith(`${db}.go-dockswap-backup-`));
  // The backup holds the Go file's schema and every row as the Go tool left them.
  assertEquals(dump(backup), original);
  assertEquals(
    query(backup, "SELECT type, name, sql FROM sqlite_schema ORDER BY name"),
    originalSchema,
  );
  assertEquals(query(backup, "PRAGMA quick_check"), [{ quick_check: "ok" }]);

  assertEquals((await Deno.stat(backup)).mode! & 0o777, 0o600);

  // Every config, deployment and event keeps its id.
  const ids = (table: string) =>
    query<{ id: number }>(db, `SELECT id FROM ${table} ORDER BY id`).map((r) => r.id);
  assertEquals(ids("app_configs"), go.app_configs.map((r) => r.id));
  assertEquals(ids("deployment_events"), go.deployment_events.map((r) => r.id));
  assertEquals(ids("deployments"), [...go.deployments.map((r) => r.id as number), 77]);

  // Statuses mapped, original words kept.
  const deployments = query<
    { id: number; status: string; legacy_status: string | null; ended_at: string | null }
  >(
    db,
    "SELECT id, status, legacy_status, ended_at FROM deployments ORDER BY id",
  );
  for (const d of deployments) {
    assertEquals(d.status, EXPECTED_STATUS[d.id], `deployment ${d.id}`);
    assertEquals(d.legacy_status, go.deployments.find((g) => g.id === d.id)?.status ?? null);
    assertEquals(d.ended_at === null, d.status === "in_progress");
  }
  assertEquals(
    query(
      db,
      "SELECT app_name, count(*) AS n FROM deployments WHERE status = 'in_progress' GROUP BY app_name",
    ),
    [{ app_name: "worker", n: 1 }],
  );
  // Superseded: ended when the next deployment started.
  assertEquals(deployments.find((d) => d.id === 4)?.ended_at, "2025-07-24T14:32:20.123Z");

  // Timestamps: ISO-8601 UTC, milliseconds truncated, zones and monotonic suffixes read.
  assertEquals(
    query(db, "SELECT created_at FROM app_configs ORDER BY id").map((r) => r.created_at),
    [
      "2025-07-20T10:00:00.123Z",
      "2025-07-21T10:00:00.500Z",
      "2025-07-22T08:00:00.000Z",
      "2025-07-22T09:00:00.000Z",
    ],
  );

  // '' means "none"; non-JSON payloads kept as JSON strings; transitions derived.
  const events = query<Record<string, string | number | null>>(
    db,
    "SELECT id, deployment_id, payload, error, from_state, to_state FROM deployment_events ORDER BY id",
  );
  assertEquals(events[0].error, null);
  assertEquals(events[1].payload, null);
  assertEquals(JSON.parse(events[6].payload as string), "not json at all");
  assertEquals(events[7].error, "timeout after 5s");
  assertEquals([events[7].from_state, events[7].to_state], ["starting", "rolling_back"]);
  assertEquals(events.filter((e) => e.deployment_id === 77).length, 2);

  // current_state: apps that deployed keep a row; the others are dropped and logged whole.
  const states = query<
    { app_name: string; deployment_id: number; status: string; legacy_status: string }
  >(
    db,
    "SELECT app_name, deployment_id, status, legacy_status FROM current_state ORDER BY app_name",
  );
  assertEquals(states.map((s) => [s.app_name, s.deployment_id, s.status, s.legacy_status]), [
    ["web-api", 5, "stable", "ready"],
    ["worker", 8, "health_check", "deploying"],
  ]);
  const log = query<
    { table_name: string; row_key: string; old_value: string | null; reason: string }
  >(
    db,
    "SELECT table_name, row_key, old_value, reason FROM adoption_log ORDER BY id",
  );
  for (const app of ["billing", "legacy"]) {
    const dropped = log.find((l) => l.row_key === `app=${app}` && l.table_name === "current_state");
    assert(dropped, `no log of dropping ${app}`);
    assertEquals(JSON.parse(dropped.old_value!).app_name, app);
  }
  // Each repair was reported on stderr and logged.
  const reported = first.stderr.split("\n").filter((l) =>
    /^ {2}(app_configs|deployments|deployment_events|current_state) (id|app)=/.test(l)
  );
  assertEquals(reported.length, log.length);
  assertStringIncludes(first.stderr, `${log.length} repair(s)`);

  // Healthy apart from worker's deployment left in flight by the Go process.
  const doctor = await cli(["--db", db, "--json", "doctor"]);
  const report = JSON.parse(doctor.stdout) as {
    checks: { check: string; status: string; hint: string }[];
  };
  assertEquals(report.checks.filter((c) => c.status !== "ok").map((c) => c.check), [
    "stuck_deployments",
  ]);
  assertStringIncludes(
    report.checks.find((c) => c.check === "stuck_deployments")!.hint,
    "recover worker",
  );

  // Adopted once: the next open is an ordinary open.
  const again = await cli(["--db", db, "export", "--table", "state"]);
  assertEquals(again.code, 0);
  assertEquals(again.stderr, "");
});

Deno.test("a Go database of an unknown schema version and other programs' files are refused untouched", async () => {
  await using dir = await tempDir();
  const newer = `${dir.path}/newer.db`;
  makeGoDockswapDb(newer);
  const raw = new DatabaseSync(newer);
  raw.exec("UPDATE schema_version SET version = 202601010000");
  raw.close();
  const before = await Deno.readFile(newer);
  const refused = await cli(["--db", newer, "export"]);
  assertEquals(refused.code, 6);
  assertStringIncludes(refused.stderr, "202507101010");
  assertEquals(await Deno.readFile(newer), before);

  const foreign = `${dir.path}/foreign.db`;
  const other = new DatabaseSync(foreign);
  other.exec(GO_SCHEMA);
  other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
  other.close();
  const foreignBefore = await Deno.readFile(foreign);
  const result = await cli(["--db", foreign, "export"]);
  assertEquals(result.code, 6);
  assertStringIncludes(result.stderr, "another program");
  assertEquals(await Deno.readFile(foreign), foreignBefore);
  assertEquals([...Deno.readDirSync(dir.path)].length, 2, "no backup of a refused file");
});

Deno.test("two processes opening a Go database at once: one adopts it, the other just uses it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  const go = makeGoDockswapDb(db);
  const [a, b] = await Promise.all([
    cli(["--db", db, "export", "--table", "events"]),
    cli(["--db", db, "export", "--table", "events"]),
  ]);
  assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
  const adopted = [a, b].filter((r) => r.stderr.includes("Adopted Go dockswap database"));
  assertEquals(adopted.length, 1);
  assertEquals(a.stdout, b.stdout);
  assertEquals(a.stdout.trim().split("\n").length, go.deployment_events.length);
  const backups = [...Deno.readDirSync(dir.path)].filter((e) =>
    e.name.includes("go-dockswap-backup")
  );
  assertEquals(backups.length, 1);
  assertEquals(query(db, "SELECT count(*) AS n FROM schema_migrations"), [{ n: 2 }]);
});
