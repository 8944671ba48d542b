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

  // Healthy apart from worker's deployment left in flight by the Go process, and the mode the
  // Go tool created the file with (0644 under umask 022), which doctor reports.
  const doctor = await cli(["--db", db, "--json", "doctor"]);
  const report = JSON.parse(doctor.stdout) as {
    checks: { check: string; status: string; hint: string }[];
  };
  assertEquals(report.checks.filter((c) => c.status !== "ok").map((c) => c.check), [
    "file_permissions",
    "stuck_deployments",
  ]);
  assertStringIncludes(
    report.checks.find((c) => c.check === "stuck_deployments")!.hint,
    "recover worker",
  );

  // Adopted once: the next open is an ordinary open (apart from the word about the file's mode).
  const again = await cli(["--db", db, "export", "--table", "state"]);
  assertEquals(again.code, 0);
  assertEquals(
    again.stderr.split("\n").filter((l) => l !== "" && !l.includes("other users can read")),
    [],
  );
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

/** Adds Go events whose deployment is gone in every way Go leaves them: 0, NULL, not an integer, the next free id. */
function addOrphanEvents(path: string, extra: { unknownType?: boolean } = {}): void {
  const db = new DatabaseSync(path);
  try {
    const insert = db.prepare(
      `INSERT INTO deployment_events (id, deployment_id, app_name, event_type, payload, error, created_at)
       VALUES (?, ?, ?, ?, '{}', '', '2025-07-24 08:00:00 +0000 UTC')`,
    );
    insert.run(100, 0, "worker", "deploy");
    insert.run(101, null, "worker", "deploy");
    // 9 is one above the highest deployment id: a fresh id for the groups above must not take it.
    insert.run(102, 9, "other", "deploy");
    insert.run(103, 2.5, "other", "deploy");
    if (extra.unknownType) insert.run(104, 1, "web-api", "teleported");
  } finally {
    db.close();
  }
}

Deno.test("Go events whose deployment is gone: every one kept under its own reconstructed deployment, each repair reported", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  addOrphanEvents(db);
  const goEvents = query<{ id: number }>(db, "SELECT id FROM deployment_events ORDER BY id");
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(query(db, "PRAGMA foreign_key_check"), []);
  assertEquals(query(db, "SELECT id FROM deployment_events ORDER BY id"), goEvents);
  const orphans = query<{ id: number; deployment_id: number; app: string }>(
    db,
    `SELECT e.id, e.deployment_id, d.app_name AS app FROM deployment_events e
     JOIN deployments d ON d.id = e.deployment_id WHERE e.id >= 100 ORDER BY e.id`,
  );
  // Each group of orphan events has a deployment of its own, of its own app.
  assertEquals(new Set(orphans.map((o) => o.deployment_id)).size, 4);
  assertEquals(orphans.map((o) => o.app), ["worker", "worker", "other", "other"]);
  assertEquals(orphans.find((o) => o.id === 102)?.deployment_id, 9);
  for (const o of orphans.filter((o) => o.id !== 102)) {
    assertStringIncludes(run.stderr, `deployment_events id=${o.id} deployment_id: no deployment`);
    assertStringIncludes(run.stderr, `deployments id=${o.deployment_id}: missing`);
  }
  assertStringIncludes(run.stderr, "deployments id=9: missing, but 1 event(s)");
  assertEquals(
    query(db, "SELECT count(*) AS n FROM adoption_log WHERE table_name = 'deployment_events'"),
    [{ n: 4 }], // three re-pointed orphans, one payload that was not JSON
  );
  // Opening it again adopts nothing and leaves no second backup.
  assertEquals((await cli(["--db", db, "status"])).code, 0);
  assertEquals(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) =>
      n.includes("backup") || n.includes(".tmp")
    ).length,
    1,
  );
});

Deno.test("a Go adoption that fails changes nothing and leaves no backup or temporary file behind", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  addOrphanEvents(db, { unknownType: true });
  // What an adoption killed while copying its backup left: removed, not kept as a backup.
  const killed = `${dir.path}/.dockswap.db.go-dockswap-backup.tmp-999999999-k1`;
  await Deno.writeTextFile(killed, "half a backup");
  const hourAgo = new Date(Date.now() - 3_600_000);
  await Deno.utime(killed, hourAgo, hourAgo);
  const before = await Deno.readFile(db);
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 6, run.stderr);
  assertStringIncludes(run.stderr, "teleported");
  assertStringIncludes(run.stderr, "Nothing was changed");
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["dockswap.db"]);
  assertEquals(await Deno.readFile(db), before);
});
