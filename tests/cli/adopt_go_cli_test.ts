import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, decoded, pasteIntoBash, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { request, rpcLines } from "../_rpc.ts";
import {
  GO_SCHEMA,
  type GoFixtureKind,
  goTime,
  makeGoDockswapDb,
} from "../fixtures/make_go_dockswap_db.ts";
import { MIGRATIONS } from "../../migrations/mod.ts";

/** Runs the `sqlite3` command-line shell on `path`: an independent look at what is stored. */
async function sqlite3(path: string, sql: string) {
  return decoded(await new Deno.Command("sqlite3", { args: [path, sql] }).output());
}

/** Every table of a Go file, rowids included, to compare a backup with its original. */
function dumpGo(path: string) {
  return Object.fromEntries(
    [
      "app_configs",
      "deployments",
      "deployment_events",
      "current_state",
      "schema_version",
      "sqlite_sequence",
    ].map((t) => [t, query(path, `SELECT _rowid_ AS rowid_, * FROM ${t} ORDER BY 1, 2`)]),
  );
}

/** Every app a Go file names anywhere. */
function goApps(path: string): string[] {
  return query<{ app_name: string }>(
    path,
    `SELECT app_name FROM app_configs UNION SELECT app_name FROM deployments
     UNION SELECT app_name FROM deployment_events UNION SELECT app_name FROM current_state
     ORDER BY 1`,
  ).map((r) => r.app_name);
}

/** A valid app config for `app`, written to `dir`; returns its path. */
async function writeConfig(dir: string, app: string): Promise<string> {
  const path = `${dir}/${app}.yaml`;
  await Deno.writeTextFile(
    path,
    `name: ${app}
docker:
  expose_port: 8080
ports: {blue: 8081, green: 8082}
health_check:
  endpoint: /health
  success_threshold: 1
  expected_status: 200
`,
  );
  return path;
}

const HAPPY_PATH = [
  "container_started",
  "health_check_passed",
  "caddy_updated",
  "drain_complete",
  "container_stopped",
];

/**
 * The guarantee adoption makes: with the documented commands only (doctor's hints pasted as
 * printed, `recover`, `deploy start`, then the events of a deployment over RPC), every app comes
 * back to `stable` and deploys again, and doctor is then content.
 */
async function assertEveryAppReachesStable(db: string, dir: string, apps: string[]) {
  const doctor = JSON.parse((await cli(["--db", db, "--json", "doctor"])).stdout) as {
    checks: { check: string; status: string; hint: string | null }[];
  };
  for (const check of doctor.checks.filter((c) => c.status !== "ok")) {
    assert(check.hint, `doctor's ${check.check} check fails without a hint`);
    for (const hint of check.hint.split("; ")) {
      const run = await pasteIntoBash(hint);
      assertEquals(run.code, 0, `${hint}: ${run.stderr}`);
    }
  }
  const states = async () =>
    new Map(
      (await cliJson<{ app_name: string; status: string; image: string | null }[]>(db, ["status"]))
        .map((s) => [s.app_name, s]),
    );
  for (const [app, state] of await states()) {
    if (state.status === "stable") continue;
    const recovered = await cli(["--db", db, "recover", app]);
    assertEquals(recovered.code, 0, recovered.stderr);
  }
  const recovered = await states();
  for (const app of apps) assert([undefined, "stable"].includes(recovered.get(app)?.status), app);
  // Each app deploys again, and its deployment runs to the end.
  const events: string[] = [];
  for (const app of apps) {
    const started = await cli([
      "--db",
      db,
      "deploy",
      "start",
      app,
      "--image",
      `${app}:next`,
      "--config",
      await writeConfig(dir, app),
    ]);
    assertEquals(started.code, 0, `${app}: ${started.stderr}`);
    for (const event_type of HAPPY_PATH) {
      events.push(request(events.length, "deploy.event", { app_name: app, event_type }));
    }
  }
  for (const response of await rpcLines(db, events)) {
    assert(!(response as { error?: unknown }).error, JSON.stringify(response));
  }
  const deployed = await states();
  for (const app of apps) {
    const state = deployed.get(app);
    assertEquals([state?.status, state?.image], ["stable", `${app}:next`], app);
  }
  const again = await cli(["--db", db, "doctor"]);
  assertEquals(again.code, 0, again.stdout);
}

/** The deployment status each row of the full fixture ends with (see README "Adopting"). */
const EXPECTED_STATUS: Record<number, string> = {
  1: "success", // deploying; its events end with container_stopped
  2: "rolled_back", // deploying; its events end with rollback_complete
  3: "in_progress", // deploying, stuck in health_check, worker's latest
  4: "success", // ready (CLI)
  5: "success", // ready (CLI)
  6: "success", // deploying; container_stopped
  7: "failed", // deploying, superseded by the missing deployment 9
  8: "success", // active
  9: "failed", // missing; rebuilt from its events, which end with container_failed
};

Deno.test("a database as the Go dockswap writes it (NOT NULL, foreign keys, dangling references) is backed up, adopted in place, every row accounted for", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  const go = makeGoDockswapDb(db);
  const original = dumpGo(db);
  const originalSchema = query(db, "SELECT type, name, sql FROM sqlite_schema ORDER BY name");
  // What the Go tool left: references that point nowhere, which its connection never checks.
  const dangling = (await sqlite3(db, "PRAGMA foreign_key_check")).stdout;
  assertStringIncludes(dangling, "current_state|");
  assertStringIncludes(dangling, "deployment_events|");

  const first = await cli(["--db", db, "export", "--table", "deployments"]);
  assertEquals(first.code, 0, first.stderr);
  assertStringIncludes(first.stderr, "Adopted Go dockswap database");
  const backup = /Backup of the original: (\S+)/.exec(first.stderr)?.[1];
  assert(backup, first.stderr);
  assert(backup.startsWith(`${db}.go-dockswap-backup-`));
  // The backup holds the Go file's schema and every row as the Go tool left them, dangling
  // references included.
  assertEquals(dumpGo(backup), original);
  assertEquals(
    query(backup, "SELECT type, name, sql FROM sqlite_schema ORDER BY name"),
    originalSchema,
  );
  assertEquals((await sqlite3(backup, "PRAGMA foreign_key_check")).stdout, dangling);
  assertEquals((await sqlite3(backup, "PRAGMA quick_check")).stdout, "ok\n");
  assertEquals((await Deno.stat(backup)).mode! & 0o777, 0o600);

  // The adopted file: every reference resolves, checked by sqlite3 itself.
  assertEquals(await sqlite3(db, "PRAGMA foreign_key_check"), { code: 0, stdout: "", stderr: "" });
  assertEquals((await sqlite3(db, "PRAGMA integrity_check")).stdout, "ok\n");

  // Every config, deployment and event keeps its id; the missing deployment 9 is rebuilt.
  const ids = (table: string) =>
    query<{ id: number }>(db, `SELECT id FROM ${table} ORDER BY id`).map((r) => r.id);
  assertEquals(ids("app_configs"), go.app_configs.map((r) => r.id));
  assertEquals(ids("deployment_events"), go.deployment_events.map((r) => r.id));
  assertEquals(ids("deployments"), [...go.deployments.map((r) => r.id as number), 9]);

  const deployments = query<
    {
      id: number;
      status: string;
      legacy_status: string | null;
      ended_at: string | null;
      config_id: number | null;
    }
  >(db, "SELECT id, status, legacy_status, ended_at, config_id FROM deployments ORDER BY id");
  for (const d of deployments) {
    assertEquals(d.status, EXPECTED_STATUS[d.id], `deployment ${d.id}`);
    assertEquals(d.legacy_status, go.deployments.find((g) => g.id === d.id)?.status ?? null);
    assertEquals(d.ended_at === null, d.status === "in_progress");
  }
  // Ended when its events say so, or when the next deployment started.
  assertEquals(deployments[0].ended_at, "2025-07-20T09:00:50.000Z");
  assertEquals(deployments[6].ended_at, "2025-07-24T12:00:00.100Z");
  // config_id 1 is worker's config: the CLI's hard-coded id on web-api and cron rows is dropped.
  assertEquals(deployments.map((d) => d.config_id), [1, 2, 2, null, null, 3, 3, null, null]);

  // Both Go time formats, 0-9 fraction digits, truncated to milliseconds.
  assertEquals(
    query(db, "SELECT created_at FROM app_configs ORDER BY id").map((r) => r.created_at),
    ["2025-07-20T09:00:00.123Z", "2025-07-21T09:00:00.250Z", "2025-07-22T12:00:00.500Z"],
  );

  // '{}' kept, '' errors are none, transitions replayed through the state machine: an event
  // the Go machine refused leaves the state where it was.
  const events = query<Record<string, string | number | null>>(
    db,
    "SELECT id, payload, error, from_state, to_state FROM deployment_events ORDER BY id",
  );
  assertEquals([events[0].payload, events[0].error], ["{}", null]);
  assertEquals(
    events.slice(8, 11).map((e) => [e.id, e.from_state, e.to_state, e.error]),
    [
      [9, "health_check", "health_check", "invalid event drain_complete for state health_check"],
      [10, "health_check", "rolling_back", "health check timed out"],
      [11, "rolling_back", "stable", null],
    ],
  );

  // current_state: the live pair, never the Go `ready` row's old color with the new image.
  const states = query(
    db,
    `SELECT app_name, deployment_id, active_color, image, status, legacy_status
     FROM current_state ORDER BY app_name`,
  ).map((s) => Object.values(s));
  assertEquals(states, [
    ["billing", 9, "green", "registry.local/billing:1", "failed", "failed"],
    ["cron", 8, "green", "cron:1", "stable", "active"],
    ["web-api", 5, "green", "web:1", "stable", "ready"],
    ["worker", 3, "green", "registry.local/worker:1.0", "health_check", "health_check"],
  ]);

  // Each repair was reported on stderr and logged, with the value it replaced.
  const log = query<
    { table_name: string; row_key: string; column_name: string | null; old_value: string | null }
  >(db, "SELECT table_name, row_key, column_name, old_value FROM adoption_log ORDER BY id");
  const reported = first.stderr.split("\n").filter((l) =>
    /^ {2}(app_configs|deployments|deployment_events|current_state) (id|app)=/.test(l)
  );
  assertEquals(reported.length, log.length);
  assertStringIncludes(first.stderr, `${log.length} repair(s)`);
  const logged = (table: string, row: string, column: string | null) =>
    log.find((l) => l.table_name === table && l.row_key === row && l.column_name === column);
  assertEquals(logged("deployments", "id=4", "config_id")?.old_value, "1");
  assertEquals(logged("deployments", "id=8", "rollback_of")?.old_value, "42");
  assertEquals(logged("current_state", "app=web-api", "active_color")?.old_value, "green/web:2");
  assertEquals(logged("current_state", "app=cron", "deployment_id")?.old_value, "0");
  assertEquals(logged("app_configs", "id=1", "config_sha")?.old_value, "sha-stub");
  assertEquals(JSON.parse(logged("current_state", "app=reports", null)!.old_value!).image, "");

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

Deno.test("the shipped Go CLI's file: config_id 1 without a config, deployment_id 0 rows, `ready` rows read as what they mean", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db, "cli");
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(await sqlite3(db, "PRAGMA foreign_key_check"), { code: 0, stdout: "", stderr: "" });
  assertEquals(
    query(db, "SELECT id, config_id, status FROM deployments ORDER BY id").map((r) =>
      Object.values(r)
    ),
    [[1, null, "success"], [2, null, "success"], [3, null, "success"], [4, null, "success"]],
  );
  // api: deployed api:3 to green while blue served api:2 (the Go row says blue/api:3).
  // shop: deployed once to green, never switched; its row names blue, which nothing ever ran.
  assertEquals(
    query(db, "SELECT app_name, deployment_id, active_color, image, status FROM current_state")
      .map((r) => Object.values(r)),
    [["api", 4, "blue", "api:2", "stable"], ["shop", 1, null, null, "stable"]],
  );
  assertEquals(
    query(
      db,
      "SELECT row_key, old_value FROM adoption_log WHERE column_name = 'config_id' ORDER BY id",
    ),
    [1, 2, 3, 4].map((id) => ({ row_key: `id=${id}`, old_value: "1" })),
  );
  // docs never deployed: its row (deployment_id 0) is logged whole.
  const docs = query<{ old_value: string }>(
    db,
    "SELECT old_value FROM adoption_log WHERE row_key = 'app=docs'",
  );
  assertEquals(JSON.parse(docs[0].old_value).deployment_id, 0);
});

/** Adds rows whose times lie outside four-digit years, before or after conversion to UTC. */
function addOutOfRangeTimes(path: string): void {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: false });
  try {
    db.prepare("INSERT INTO app_configs VALUES (4, 'calendar', 'cal:1', 'sha-stub', ?)")
      .run("9999-12-31 23:59:59.5 -0100");
    db.prepare(
      "INSERT INTO deployments VALUES (10, 'calendar', 4, 'cal:1', ?, ?, 'deploying', 'green', NULL)",
    ).run("-0001-03-01 10:00:00 +0000 UTC", "10000-01-01 00:00:00 +0000 UTC");
    db.prepare("INSERT INTO deployment_events VALUES (23, 10, 'calendar', 'deploy', '{}', '', ?)")
      .run("9999-12-31 23:30:00 -0100 -01");
    db.prepare("INSERT INTO current_state VALUES ('calendar', 10, 'blue', 'cal:1', 'starting', ?)")
      .run("9999-12-31 23:59:59.999999999 -0001");
  } finally {
    db.close();
  }
}

Deno.test("Go times outside four-digit years are repaired as unreadable, logged, not a crash", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  addOutOfRangeTimes(db);
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  const unreadable = query<{ table_name: string; column_name: string; old_value: string }>(
    db,
    `SELECT table_name, column_name, old_value FROM adoption_log
     WHERE reason = 'unreadable timestamp' ORDER BY id`,
  ).map((r) => Object.values(r));
  assertEquals(unreadable, [
    ["app_configs", "created_at", "9999-12-31 23:59:59.5 -0100"],
    ["deployments", "started_at", "-0001-03-01 10:00:00 +0000 UTC"],
    ["deployments", "ended_at", "10000-01-01 00:00:00 +0000 UTC"],
    ["deployment_events", "created_at", "9999-12-31 23:30:00 -0100 -01"],
    ["current_state", "updated_at", "9999-12-31 23:59:59.999999999 -0001"],
  ]);
  await assertEveryAppReachesStable(db, dir.path, ["calendar"]);
});

Deno.test("Go times whose zone has a numeric abbreviation (-03, or +0530 for an unnamed zone) are read as the instant they name", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  // time.Time.String() prints tzdata's numeric abbreviations as they are (America/Sao_Paulo:
  // "-03"), and the offset itself for a zone without a name (time.FixedZone("", 19800)).
  const go = new DatabaseSync(db, { enableForeignKeyConstraints: false });
  try {
    go.prepare("INSERT INTO app_configs VALUES (5, 'zones', 'zones:1', 'sha-stub', ?)")
      .run("2025-07-24 11:32:20.123456789 -0300 -03 m=+0.000123");
    go.prepare(
      "INSERT INTO deployments VALUES (11, 'zones', 5, 'zones:1', ?, NULL, 'ready', 'green', NULL)",
    ).run("2025-07-24 20:02:20.5 +0530 +0530");
    go.prepare("INSERT INTO deployment_events VALUES (24, 11, 'zones', 'deploy', '{}', '', ?)")
      .run("2025-07-24 20:17:21 +0545 +0545");
  } finally {
    go.close();
  }
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  const stored = await sqlite3(
    db,
    `SELECT (SELECT created_at FROM app_configs WHERE id = 5),
            (SELECT started_at FROM deployments WHERE id = 11),
            (SELECT created_at FROM deployment_events WHERE id = 24)`,
  );
  assertEquals(
    stored.stdout.trim(),
    "2025-07-24T14:32:20.123Z|2025-07-24T14:32:20.500Z|2025-07-24T14:32:21.000Z",
  );
  assertEquals(
    query(db, "SELECT old_value FROM adoption_log WHERE reason = 'unreadable timestamp'"),
    [],
  );
});

Deno.test("a Go rollback_of naming another app's deployment is cleared and reported, like a missing one", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  const go = new DatabaseSync(db, { enableForeignKeyConstraints: false });
  const other = go.prepare("SELECT id, app_name FROM deployments ORDER BY id LIMIT 1").get() as {
    id: number;
    app_name: string;
  };
  try {
    go.prepare(
      `INSERT INTO deployments VALUES (12, 'elsewhere', 1, 'e:1', ?, NULL, 'ready', 'green', ?)`,
    ).run(goTime("2025-07-24", "14:32:20"), other.id);
  } finally {
    go.close();
  }
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  // A rollback goes back to an earlier deployment of the same app: history and show would
  // otherwise link elsewhere's deployment to another app's image and config.
  assertEquals(
    (await sqlite3(db, "SELECT rollback_of FROM deployments WHERE id = 12")).stdout,
    "\n",
  );
  assertEquals(
    query(
      db,
      `SELECT old_value, reason FROM adoption_log
       WHERE table_name = 'deployments' AND row_key = 'id=12' AND column_name = 'rollback_of'`,
    ),
    [{ old_value: `${other.id}`, reason: `deployment ${other.id} is of app ${other.app_name}` }],
  );
});

Deno.test("a Go rollback_of naming the deployment itself or a later one is cleared, so an export loads in order with foreign keys on", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  const go = new DatabaseSync(db, { enableForeignKeyConstraints: false });
  try {
    const insert = go.prepare(
      `INSERT INTO deployments VALUES (?, 'loop', 1, 'l:1', ?, NULL, 'ready', 'green', ?)`,
    );
    insert.run(14, goTime("2025-07-24", "14:32:20"), 15);
    insert.run(15, goTime("2025-07-24", "15:32:20"), 14);
    insert.run(16, goTime("2025-07-24", "16:32:20"), 16);
  } finally {
    go.close();
  }
  const exported = await cli(["--db", db, "export", "--table", "deployments"]);
  assertEquals(exported.code, 0, exported.stderr);
  // Rows as a consumer loads them: one statement each, in file order, foreign keys enforced.
  const rows = exported.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const load = rows.map((r) =>
    `INSERT INTO deployments VALUES (${r.id}, ${r.rollback_of ?? "NULL"});`
  );
  const loaded = await sqlite3(
    `${dir.path}/consumer.db`,
    `PRAGMA foreign_keys = ON;
     CREATE TABLE deployments (id INTEGER PRIMARY KEY, rollback_of INTEGER REFERENCES deployments (id));
     ${load.join("\n")}`,
  );
  assertEquals([loaded.code, loaded.stderr], [0, ""]);
  assertEquals(
    query(
      db,
      `SELECT row_key, old_value FROM adoption_log
       WHERE table_name = 'deployments' AND column_name = 'rollback_of' AND row_key IN ('id=14', 'id=16')
       ORDER BY row_key`,
    ),
    [{ row_key: "id=14", old_value: "15" }, { row_key: "id=16", old_value: "16" }],
  );
  assertEquals(query(db, "SELECT rollback_of FROM deployments WHERE id = 15"), [{
    rollback_of: 14,
  }]);
});

Deno.test("Go text stored as a BLOB (a []byte from json.Marshal) is adopted as the text it holds", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  const go = new DatabaseSync(db, { enableForeignKeyConstraints: false });
  const utf8 = (text: string) => new TextEncoder().encode(text);
  try {
    go.prepare(
      "INSERT INTO deployments VALUES (17, 'bytes', 1, ?, ?, NULL, 'ready', 'green', NULL)",
    ).run(utf8("b:1"), goTime("2025-07-24", "14:32:20"));
    go.prepare("INSERT INTO deployment_events VALUES (27, 17, 'bytes', 'deploy', ?, ?, ?)")
      .run(utf8('{"color":"grün"}'), utf8(""), goTime("2025-07-24", "14:32:21"));
  } finally {
    go.close();
  }
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  const stored = await sqlite3(
    db,
    `SELECT (SELECT image FROM deployments WHERE id = 17), (SELECT payload FROM deployment_events WHERE id = 27)`,
  );
  assertEquals(stored.stdout, 'b:1|{"color":"grün"}\n');
});

Deno.test("Go text holding a NUL character, which every reader cuts there, is logged as a repair with its whole text", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  const at = goTime("2025-07-24", "14:32:20");
  const setup = await sqlite3(
    db,
    `INSERT INTO deployments VALUES (18, 'nul', 1, CAST(x'6e756c3a310078' AS TEXT), '${at}', NULL, 'ready', 'green', NULL);
     INSERT INTO deployment_events VALUES (28, 18, 'nul', 'deploy', '{}', CAST(x'626f6f6d00747261696c' AS TEXT), '${at}');`,
  );
  assertEquals(setup.code, 0, setup.stderr);
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(
    query(
      db,
      `SELECT table_name, row_key, column_name, old_value, new_value FROM adoption_log
       WHERE row_key IN ('id=18', 'id=28') AND column_name IN ('image', 'error') ORDER BY table_name`,
    ),
    [
      {
        table_name: "deployment_events",
        row_key: "id=28",
        column_name: "error",
        old_value: "boom\\u0000trail",
        new_value: "boom",
      },
      {
        table_name: "deployments",
        row_key: "id=18",
        column_name: "image",
        old_value: "nul:1\\u0000x",
        new_value: "nul:1",
      },
    ],
  );
});

Deno.test("Go app names the commands cannot take (spaces, slashes) are adopted under usable names that recover and deploy reach", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  const go = new DatabaseSync(db, { enableForeignKeyConstraints: false });
  try {
    const at = goTime("2025-07-24", "14:32:20");
    // "my app" is stuck in flight; "my/app" would clean up to the same name, "my-app" exists.
    go.prepare("INSERT INTO app_configs VALUES (6, 'my app', 'm:1', 'sha-stub', ?)").run(at);
    go.prepare(
      "INSERT INTO deployments VALUES (13, 'my app', 6, 'm:1', ?, NULL, 'deploying', 'green', NULL)",
    ).run(at);
    go.prepare("INSERT INTO deployment_events VALUES (25, 13, 'my app', 'deploy', '{}', '', ?)")
      .run(at);
    go.prepare("INSERT INTO deployment_events VALUES (26, 99, 'my/app', 'deploy', '{}', '', ?)")
      .run(at);
    go.prepare("INSERT INTO current_state VALUES ('my app', 13, 'blue', 'm:1', 'deploying', ?)")
      .run(at);
    go.prepare("INSERT INTO current_state VALUES ('my-app', 0, 'blue', '', 'unknown', ?)").run(at);
  } finally {
    go.close();
  }
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  const names = query<{ app_name: string }>(
    db,
    `SELECT app_name FROM app_configs UNION SELECT app_name FROM deployments
     UNION SELECT app_name FROM deployment_events UNION SELECT app_name FROM current_state`,
  ).map((r) => r.app_name);
  for (const name of names) assert(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name), name);
  const renamed = query<{ old_value: string; new_value: string }>(
    db,
    `SELECT DISTINCT old_value, new_value FROM adoption_log
     WHERE column_name = 'app_name' AND old_value IN ('my app', 'my/app') ORDER BY 1`,
  );
  assertEquals(renamed.map((r) => r.old_value), ["my app", "my/app"]);
  const [spaced, slashed] = renamed.map((r) => r.new_value);
  assert(spaced !== slashed && spaced !== "my-app" && slashed !== "my-app", `${spaced} ${slashed}`);
  assertEquals(query(db, "SELECT app_name FROM deployments WHERE id = 13"), [{ app_name: spaced }]);
  await assertEveryAppReachesStable(db, dir.path, [spaced, slashed]);
});

/** Adds Go events whose deployment is gone (0, not an integer, the next free id, another app's missing id) or of another app. */
function addOrphanEvents(path: string, extra: { unknownType?: boolean } = {}): void {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: false });
  try {
    const insert = db.prepare(
      `INSERT INTO deployment_events (id, deployment_id, app_name, event_type, payload, error, created_at)
       VALUES (?, ?, ?, ?, '{}', '', ?)`,
    );
    const at = goTime("2025-07-26", "08:00:00");
    insert.run(100, 0, "worker", "deploy", at);
    insert.run(101, 0, "cron", "deploy", at);
    // 10 is one above the highest id in the file: a fresh id for the groups above must not take it.
    insert.run(102, 10, "other", "deploy", at);
    insert.run(103, 2.5, "other", "deploy", at);
    // Missing deployment 9 is billing's: these events of another app need one of their own.
    insert.run(104, 9, "other", "deploy", goTime("2025-07-26", "09:00:00"));
    // An event naming an existing deployment of another app: the deployment's app wins.
    insert.run(105, 6, "web-api", "container_started", goTime("2025-07-22", "12:00:01"));
    if (extra.unknownType) insert.run(106, 1, "web-api", "teleported", at);
  } finally {
    db.close();
  }
}

Deno.test("Go events whose deployment is gone or of another app: every one kept, under a deployment of its own app, each repair reported", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  addOrphanEvents(db);
  const goEvents = query<{ id: number }>(db, "SELECT id FROM deployment_events ORDER BY id");
  const run = await cli(["--db", db, "status"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(await sqlite3(db, "PRAGMA foreign_key_check"), { code: 0, stdout: "", stderr: "" });
  assertEquals(query(db, "SELECT id FROM deployment_events ORDER BY id"), goEvents);
  // No event of one app under another app's deployment.
  assertEquals(
    query(
      db,
      `SELECT e.id FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id
       WHERE e.app_name <> d.app_name`,
    ),
    [],
  );
  const orphans = query<{ id: number; deployment_id: number; app: string }>(
    db,
    `SELECT e.id, e.deployment_id, d.app_name AS app FROM deployment_events e
     JOIN deployments d ON d.id = e.deployment_id WHERE e.id >= 100 ORDER BY e.id`,
  );
  // Each group of orphan events has a deployment of its own, of its own app.
  assertEquals(new Set(orphans.slice(0, 5).map((o) => o.deployment_id)).size, 5);
  assertEquals(orphans.map((o) => o.app), [
    "worker",
    "cron",
    "other",
    "other",
    "other",
    "billing",
  ]);
  assertEquals(orphans.find((o) => o.id === 102)?.deployment_id, 10);
  assertEquals(orphans.find((o) => o.id === 105)?.deployment_id, 6);
  for (const o of orphans.filter((o) => o.id !== 102 && o.id !== 105)) {
    assertStringIncludes(run.stderr, `deployment_events id=${o.id} deployment_id: no deployment`);
    assertStringIncludes(run.stderr, `deployments id=${o.deployment_id}: missing`);
  }
  assertStringIncludes(run.stderr, "deployments id=10: missing, but 1 event(s)");
  assertStringIncludes(
    run.stderr,
    `deployment_events id=105 app_name: deployment 6 is of app billing ("web-api" -> "billing")`,
  );
  // Opening it again adopts nothing and leaves no second backup.
  assertEquals((await cli(["--db", db, "status"])).code, 0);
  assertEquals(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) =>
      n.includes("backup") || n.includes(".tmp")
    ).length,
    1,
  );
  await assertEveryAppReachesStable(db, dir.path, ["other"]);
});

Deno.test("after adoption every app of every fixture is brought back to stable by the documented commands", async () => {
  for (const kind of ["full", "cli"] as GoFixtureKind[]) {
    await using dir = await tempDir();
    const db = `${dir.path}/dockswap.db`;
    makeGoDockswapDb(db, kind);
    const apps = goApps(db);
    const adopted = await cli(["--db", db, "status"]);
    assertEquals(adopted.code, 0, adopted.stderr);
    await assertEveryAppReachesStable(db, dir.path, apps);
  }
});

Deno.test("a stuck Go deployment followed by events of a missing later deployment: recover unlocks the app and deploy start works", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  assertEquals((await cli(["--db", db, "status"])).code, 0);
  // billing's deployment 7 was left in flight by the Go process; deployment 9 came after it.
  assertEquals(
    query(db, "SELECT id, status FROM deployments WHERE app_name = 'billing' ORDER BY id"),
    [{ id: 6, status: "success" }, { id: 7, status: "failed" }, { id: 9, status: "failed" }],
  );
  const recovered = await cliJson<{ recovered: boolean; state: { status: string } }>(db, [
    "recover",
    "billing",
  ]);
  assertEquals([recovered.recovered, recovered.state.status], [true, "stable"]);
  const started = await cli([
    "--db",
    db,
    "deploy",
    "start",
    "billing",
    "--image",
    "billing:3",
    "--config",
    await writeConfig(dir.path, "billing"),
  ]);
  assertEquals(started.code, 0, started.stderr);
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
  assertEquals(query(db, "SELECT count(*) AS n FROM schema_migrations"), [{
    n: MIGRATIONS.length,
  }]);
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
