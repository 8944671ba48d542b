/**
 * Migration 0004 rewrites every CHECK (column IN (...)) as an OR chain by rebuilding three
 * tables. These tests hold it to "the same constraints, the same rows": the same values are
 * offered to a database at schema 3 and one at schema 4, and populated files (made by the real
 * CLI, and a Go dockswap file adopted by it) keep every row, compared with sqlite3's dumps.
 */
import { DatabaseSync } from "node:sqlite";
import { MIGRATIONS } from "../../migrations/mod.ts";
import { SCHEMA_VERSION } from "../../src/db/identity.ts";
import { Database } from "../../src/db/database.ts";
import { markAsDockswapFile } from "../../src/db/identity.ts";
import { migrate } from "../../src/db/migrate.ts";
import { assert, assertEquals } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { makeGoDockswapDb } from "../fixtures/make_go_dockswap_db.ts";

const SCHEMA_3 = MIGRATIONS.filter((m) => m.version <= 3);
const SCHEMA_4 = MIGRATIONS.filter((m) => m.version <= 4);
/** The tables of schema 3 (later migrations add tables of their own, not compared here). */
const SCHEMA_3_TABLES = [
  "adoption_log",
  "app_configs",
  "current_state",
  "deployment_events",
  "deployments",
];
const REBUILT = ["deployments", "deployment_events", "current_state"];
const TS = "2026-11-28T02:15:04.123Z";

const COLORS = ["blue", "green"];
const DEPLOYMENT_STATUSES = ["in_progress", "success", "failed", "rolled_back"];
const STATES = [
  "stable",
  "starting",
  "health_check",
  "switching",
  "draining",
  "stopping",
  "rolling_back",
  "failed",
];
const EVENT_TYPES = [
  "deploy",
  "container_started",
  "container_failed",
  "health_check_passed",
  "health_check_failed",
  "caddy_updated",
  "caddy_failed",
  "drain_complete",
  "container_stopped",
  "stop_failed",
  "rollback_complete",
  "rollback_failed",
  "manual_recovery",
];

type Value = string | number | null;

/** Values close to `allowed` that are not in it: case, spaces, prefixes, joined words. */
function nearMisses(allowed: string[]): Value[] {
  return allowed.flatMap((word): Value[] => [
    word.toUpperCase(),
    word[0].toUpperCase() + word.slice(1),
    ` ${word}`,
    `${word} `,
    word.slice(0, -1),
    `${word}s`,
    `${word}\u0000`,
    `'${word}'`,
  ]).concat([allowed.join(","), allowed.join(" OR "), "", "null", "NULL", "%", "*", 0, 1, null]);
}

const TEXTS: Value[] = ["", " ", "x", "img:1", "a b", null, 0, 1.5];
const TIMES: Value[] = [
  TS,
  "2026-11-28T02:15:04Z",
  "2026-11-28 02:15:04.123Z",
  "2026-11-28T02:15:04.123",
  "",
  null,
];
const IDS: Value[] = [1, 2, 999, 0, -1, null, "1"];

/** Per rebuilt table: a valid row, and the values each column is offered. */
const CASES: Record<string, { base: Record<string, Value>; values: Record<string, Value[]> }> = {
  deployments: {
    base: {
      app_name: "a",
      config_id: 1,
      image: "img:2",
      started_at: TS,
      ended_at: TS,
      status: "success",
      active_color: "green",
      rollback_of: null,
      legacy_status: null,
    },
    values: {
      app_name: TEXTS,
      config_id: IDS,
      image: TEXTS,
      started_at: TIMES,
      ended_at: TIMES,
      status: [...DEPLOYMENT_STATUSES, ...nearMisses(DEPLOYMENT_STATUSES)],
      active_color: [...COLORS, ...nearMisses(COLORS)],
      rollback_of: IDS,
      legacy_status: TEXTS,
    },
  },
  deployment_events: {
    base: {
      deployment_id: 1,
      app_name: "a",
      event_type: "container_started",
      from_state: "starting",
      to_state: "health_check",
      payload: '{"port":8000}',
      error: null,
      created_at: TS,
    },
    values: {
      deployment_id: IDS,
      app_name: [...TEXTS, "b"],
      event_type: [...EVENT_TYPES, ...nearMisses(EVENT_TYPES)],
      from_state: [...STATES, ...nearMisses(STATES)],
      to_state: [...STATES, ...nearMisses(STATES)],
      payload: ['{"port":8000}', "[]", "1", '"s"', "{", "", "not json", null],
      error: TEXTS,
      created_at: TIMES,
    },
  },
  current_state: {
    base: {
      app_name: "a",
      deployment_id: 1,
      active_color: "blue",
      image: "img:1",
      status: "stable",
      updated_at: TS,
      legacy_status: null,
    },
    values: {
      app_name: TEXTS,
      deployment_id: IDS,
      active_color: [...COLORS, ...nearMisses(COLORS)],
      image: TEXTS,
      status: [...STATES, ...nearMisses(STATES)],
      updated_at: TIMES,
      legacy_status: TEXTS,
    },
  },
};

/** The rows each offer is made against: one config and one finished deployment of app "a". */
function databaseAt(path: string, migrations = MIGRATIONS): DatabaseSync {
  const db = new Database(path);
  migrate(db, migrations, () => markAsDockswapFile(db));
  db.close();
  const raw = new DatabaseSync(path, { enableForeignKeyConstraints: true });
  raw.exec(`INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at)
    VALUES ('a', 'name: a', '${"0".repeat(64)}', '${TS}');
    INSERT INTO deployments (app_name, config_id, image, started_at, ended_at, status, active_color)
    VALUES ('a', 1, 'img:1', '${TS}', '${TS}', 'success', 'blue');`);
  return raw;
}

/** Whether SQLite stored the row, or which rule refused it (a CHECK's text names its rule). */
function offer(db: DatabaseSync, table: string, row: Record<string, Value>): string {
  const columns = Object.keys(row);
  db.exec("SAVEPOINT offer");
  try {
    db.prepare(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    ).run(...columns.map((c) => row[c]));
    return "stored";
  } catch (error) {
    const message = (error as Error).message;
    return message.startsWith("CHECK constraint failed") ? "CHECK constraint failed" : message;
  } finally {
    db.exec("ROLLBACK TO offer; RELEASE offer");
  }
}

/** Every offer's outcome: each column's values alone, and the pairs that table CHECKs tie. */
function outcomes(db: DatabaseSync): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [table, { base, values }] of Object.entries(CASES)) {
    for (const [column, candidates] of Object.entries(values)) {
      for (const value of candidates) {
        seen.set(
          `${table}.${column}=${JSON.stringify(value)}`,
          offer(db, table, { ...base, [column]: value }),
        );
      }
    }
    const pairs = table === "deployments"
      ? ["status", "ended_at"]
      : table === "current_state"
      ? ["active_color", "image"]
      : [];
    if (pairs.length === 0) continue;
    const [left, right] = pairs;
    for (const l of values[left]) {
      for (const r of values[right]) {
        const key = `${table}.${left}=${JSON.stringify(l)},${right}=${JSON.stringify(r)}`;
        seen.set(key, offer(db, table, { ...base, [left]: l, [right]: r }));
      }
    }
  }
  return seen;
}

Deno.test("schema 4 refuses exactly the values schema 3 refused, in every column of the rebuilt tables", async () => {
  await using dir = await tempDir();
  const three = databaseAt(`${dir.path}/three.db`, SCHEMA_3);
  const four = databaseAt(`${dir.path}/four.db`);
  try {
    const before = outcomes(three);
    const after = outcomes(four);
    assertEquals([...after.entries()], [...before.entries()]);
    // The offers reach both sides of every rule: each kind of outcome occurs.
    const kinds = new Set(before.values());
    assert(kinds.has("stored") && kinds.has("CHECK constraint failed"), [...kinds].join("; "));
    assert(before.get('deployments.active_color="Blue"') === "CHECK constraint failed");
    assert(before.get("current_state.active_color=null,image=null") === "stored");
    assert(before.size > 900, `only ${before.size} offers`);
  } finally {
    three.close();
    four.close();
  }
});

/** What a table is besides its CHECKs: columns, keys, indexes, triggers. */
function shape(path: string) {
  const db = new DatabaseSync(path, { readOnly: true });
  const rows = (sql: string) => db.prepare(sql).all().map((r) => ({ ...r }));
  try {
    const triggers = rows(
      "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name",
    );
    return Object.fromEntries([
      ["triggers", triggers],
      ...REBUILT.map((table) => [table, {
        columns: rows(`PRAGMA table_xinfo(${table})`),
        foreignKeys: rows(`PRAGMA foreign_key_list(${table})`),
        indexes: rows(
          `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = '${table}'
         ORDER BY name`,
        ),
        strict: rows(`SELECT strict, wr FROM pragma_table_list WHERE name = '${table}'`),
      }]),
    ]);
  } finally {
    db.close();
  }
}

Deno.test("the rebuilt tables keep their columns, foreign keys, indexes and the triggers of schema 3", async () => {
  await using dir = await tempDir();
  databaseAt(`${dir.path}/three.db`, SCHEMA_3).close();
  databaseAt(`${dir.path}/four.db`, SCHEMA_4).close();
  assertEquals(shape(`${dir.path}/four.db`), shape(`${dir.path}/three.db`));
  // Nothing is left of the rebuild, and the IN lists are gone.
  const four = query<{ name: string; sql: string }>(
    `${dir.path}/four.db`,
    "SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL",
  );
  assertEquals(four.filter((r) => r.name.endsWith("_new")), []);
  assertEquals(four.filter((r) => / IN \(/.test(r.sql)).map((r) => r.name), []);
});

/**
 * sqlite3's own dump of schema 3's tables (and their AUTOINCREMENT counters), the schema and the
 * history left out: one line per row, sorted.
 */
async function dumpRows(path: string): Promise<string[]> {
  // A copy without the columns later migrations add (0007: the hash chain), so that a file of
  // schema 3 and the same file migrated dump the same rows.
  const copy = `${path}.columns-of-3.db`;
  const copied = await new Deno.Command("sqlite3", { args: [path, `.backup '${copy}'`] }).output();
  assertEquals(copied.code, 0, new TextDecoder().decode(copied.stderr));
  const added = [["deployment_events", "hash"], ["deployments", "chain_head"]]
    .filter(([table, column]) =>
      query(copy, `SELECT 1 FROM pragma_table_info('${table}') WHERE name = ?`, column).length > 0
    )
    .map(([table, column]) => `ALTER TABLE ${table} DROP COLUMN ${column};`);
  if (added.length > 0) {
    const dropped = await new Deno.Command("sqlite3", { args: [copy, added.join("\n")] }).output();
    assertEquals(dropped.code, 0, new TextDecoder().decode(dropped.stderr));
  }
  const output = await new Deno.Command("sqlite3", { args: ["-readonly", copy, ".dump"] }).output();
  await Deno.remove(copy);
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  const lines = new TextDecoder().decode(output.stdout).split("\n")
    .filter((line) => {
      const table = /^INSERT INTO "?(\w+)"?/.exec(line)?.[1];
      if (table === "sqlite_sequence") {
        return SCHEMA_3_TABLES.some((t) => line.includes(`VALUES('${t}',`));
      }
      return table !== undefined && SCHEMA_3_TABLES.includes(table);
    });
  // current_state has no integer key, so .dump does not show its rowids: they are added.
  const rowids = query<{ rowid: number; app_name: string }>(
    path,
    "SELECT rowid, app_name FROM current_state ORDER BY rowid",
  ).map((r) => `current_state rowid ${r.rowid}: ${r.app_name}`);
  return [...lines, ...rowids].sort();
}

/**
 * The rows of a file the current tool wrote (a schema-4 file), copied by the sqlite3 shell into
 * a fresh schema-3 file: what that file held before this binary opens it. Rowids and
 * AUTOINCREMENT counters are copied too.
 */
async function asSchema3(source: string, target: string): Promise<void> {
  databaseAt(target, SCHEMA_3).close();
  const tables = ["adoption_log", "app_configs", "deployments", "deployment_events"];
  const sql = [
    `ATTACH '${source.replaceAll("'", "''")}' AS s`,
    "BEGIN",
    "DELETE FROM deployments",
    "DELETE FROM app_configs",
    // Schema 3's columns only: later migrations add some (0007 the hash chain's).
    ...tables.map((t) => {
      const columns = query<{ name: string }>(target, `SELECT name FROM pragma_table_info('${t}')`)
        .map((c) => c.name).join(", ");
      return `INSERT INTO main.${t} (${columns}) SELECT ${columns} FROM s.${t} ORDER BY id`;
    }),
    `INSERT INTO main.current_state (rowid, app_name, deployment_id, active_color, image, status,
       updated_at, legacy_status) SELECT rowid, app_name, deployment_id, active_color, image,
       status, updated_at, legacy_status FROM s.current_state`,
    "DELETE FROM main.sqlite_sequence",
    "INSERT INTO main.sqlite_sequence SELECT * FROM s.sqlite_sequence",
    "COMMIT",
  ].join(";\n");
  const output = await new Deno.Command("sqlite3", {
    args: [target],
    stdin: "piped",
    stderr: "piped",
  })
    .spawn();
  const writer = output.stdin.getWriter();
  await writer.write(new TextEncoder().encode(sql + ";\n"));
  await writer.close();
  const result = await output.output();
  assertEquals(result.code, 0, new TextDecoder().decode(result.stderr));
}

async function assertMigrationKeepsRows(dir: string, source: string) {
  const path = `${dir}/schema3.db`;
  await asSchema3(source, path);
  assertEquals(query(path, "SELECT max(version) AS v FROM schema_migrations"), [{ v: 3 }]);
  const before = await dumpRows(path);
  assert(before.some((l) => l.startsWith("INSERT INTO deployment_events")));
  assertEquals(before, await dumpRows(source));
  // Any command that opens the file for writing migrates it, through schema 4 to the latest.
  const status = await cli(["--db", path, "status"]);
  assertEquals(status.code, 0, status.stderr);
  assertEquals(query(path, "SELECT max(version) AS v FROM schema_migrations"), [
    { v: SCHEMA_VERSION },
  ]);
  assertEquals(await dumpRows(path), before);
  assertEquals(query(path, "PRAGMA foreign_key_check"), query(source, "PRAGMA foreign_key_check"));
  assertEquals(query(path, "PRAGMA integrity_check"), [{ integrity_check: "ok" }]);
}

Deno.test("migrating a populated file to schema 4 keeps every row, id and AUTOINCREMENT counter", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/source.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  await cliJson(db, ["config", "add", `${FIXTURES}apps/worker.yaml`]);
  const happy = [
    "container_started",
    "health_check_passed",
    "caddy_updated",
    "drain_complete",
    "container_stopped",
  ];
  for (const app of ["web-api", "worker"]) {
    // Two deployments that succeed, then one whose health check fails (it stays in flight).
    for (const events of [happy, happy, ["container_started", "health_check_failed"]]) {
      const { deployment } = await cliJson<{ deployment: { id: number } }>(db, [
        "deploy",
        "start",
        app,
        "--image",
        `${app}:${events.length}`,
      ]);
      for (const event of events) {
        const result = await cli(["--db", db, "deploy", "event", String(deployment.id), event]);
        assertEquals(result.code, 0, result.stderr);
      }
    }
  }
  // A counter past the highest id: the newest event removed by hand, as a prune would.
  const raw = new DatabaseSync(db);
  raw.exec("DELETE FROM deployment_events WHERE id = (SELECT max(id) FROM deployment_events)");
  raw.close();
  await assertMigrationKeepsRows(dir.path, db);
});

Deno.test("migrating an adopted Go dockswap file to schema 4 keeps every row and repair record", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/go.db`;
  makeGoDockswapDb(db);
  const adopted = await cli(["--db", db, "status"]);
  assertEquals(adopted.code, 0, adopted.stderr);
  assert(query(db, "SELECT count(*) AS n FROM adoption_log")[0].n as number > 0);
  await assertMigrationKeepsRows(dir.path, db);
});
