/**
 * Each record is defined once (src/records/) and every list of its columns derives from it.
 * Checked against the schema the migrations build: a fresh file migrated by the real runner, the
 * PRAGMA table_info of each table, against the record, the store's real SELECT statements,
 * export's columns and the result schemas of rpc.discover. A migration that adds a column one of
 * them misses fails here; the last test adds such a migration and sees every list named.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { type Migration, MIGRATIONS } from "../../migrations/mod.ts";
import { Database } from "../../src/db/database.ts";
import { migrationChecksum } from "../../src/db/identity.ts";
import { migrate } from "../../src/db/migrate.ts";
import { OPERATIONS } from "../../src/operations/mod.ts";
import { TABLE_COLUMNS } from "../../src/records/mod.ts";
import { MethodTable } from "../../src/rpc/methods.ts";
import { CONFIG_HISTORY_SQL, LATEST_CONFIG_SQL } from "../../src/store/configs.ts";
import { ALL_CURRENT_STATES_SQL } from "../../src/store/current_state.ts";
import {
  HISTORY_BY_STATUS_SQL,
  HISTORY_SQL,
  LAST_SUCCESS_SQL,
} from "../../src/store/deployments.ts";
import { EVENTS_OF_DEPLOYMENT_SQL } from "../../src/store/events.ts";
import { EXPORT_SPECS } from "../../src/store/export.ts";

/**
 * Tables that are not history records: migration history, the file's one-row fleet identity
 * (store/host_identity.ts, never exported or returned), the running totals that migration
 * 0006's triggers derive from the records for `metrics`, and migration 0008's one-row note of
 * whether any payload is stored spaced (read by store/export.ts).
 */
const BOOKKEEPING = [
  "schema_migrations",
  "sqlite_sequence",
  "host_identity",
  "metric_deployments_ended",
  "metric_duration_bounds",
  "metric_deployment_durations",
  "metric_state_time",
  "payload_spacing",
];

/**
 * What reads leave out of a table, on purpose: the Go word of adopted rows and a deployment's
 * chain head (export and the adoption carry them; reads never returned them) and, in config
 * lists, the YAML.
 */
const READS_LEAVE_OUT: Record<string, string[]> = {
  deployments: ["legacy_status", "chain_head"],
  current_state: ["legacy_status"],
};
const SUMMARY_LEAVES_OUT = ["config_yaml"];

/** The store's reads, by the table they read and the columns they leave out. */
const STORE_READS: [string, string, string, string[]][] = [
  ["LATEST_CONFIG_SQL", LATEST_CONFIG_SQL, "app_configs", []],
  ["CONFIG_HISTORY_SQL", CONFIG_HISTORY_SQL, "app_configs", SUMMARY_LEAVES_OUT],
  ["HISTORY_SQL", HISTORY_SQL, "deployments", READS_LEAVE_OUT.deployments],
  ["HISTORY_BY_STATUS_SQL", HISTORY_BY_STATUS_SQL, "deployments", READS_LEAVE_OUT.deployments],
  ["LAST_SUCCESS_SQL", LAST_SUCCESS_SQL, "deployments", READS_LEAVE_OUT.deployments],
  ["EVENTS_OF_DEPLOYMENT_SQL", EVENTS_OF_DEPLOYMENT_SQL, "deployment_events", []],
  [
    "ALL_CURRENT_STATES_SQL",
    ALL_CURRENT_STATES_SQL,
    "current_state",
    READS_LEAVE_OUT.current_state,
  ],
];

/**
 * Where a record sits in a method's result schema (a path of JSON Schema keys), its table, what
 * it leaves out and what it adds.
 */
const RPC_RECORDS: [string, string[], string, string[], string[]?][] = [
  ["config.add", ["properties", "config"], "app_configs", SUMMARY_LEAVES_OUT],
  ["config.get", [], "app_configs", []],
  ["config.history", ["items"], "app_configs", SUMMARY_LEAVES_OUT],
  ["deploy.start", ["properties", "deployment"], "deployments", READS_LEAVE_OUT.deployments],
  ["deploy.start", ["properties", "config"], "app_configs", SUMMARY_LEAVES_OUT],
  ["deploy.start", ["properties", "event"], "deployment_events", []],
  ["deploy.start", ["properties", "state"], "current_state", READS_LEAVE_OUT.current_state],
  ["deploy.event", ["properties", "deployment"], "deployments", READS_LEAVE_OUT.deployments],
  ["deploy.event", ["properties", "event"], "deployment_events", []],
  ["deploy.event", ["properties", "state"], "current_state", READS_LEAVE_OUT.current_state],
  ["deploy.rollback", ["properties", "deployment"], "deployments", READS_LEAVE_OUT.deployments],
  ["deploy.rollback", ["properties", "event"], "deployment_events", []],
  ["deploy.rollback", ["properties", "state"], "current_state", READS_LEAVE_OUT.current_state],
  ["deploy.get", ["properties", "deployment"], "deployments", READS_LEAVE_OUT.deployments, [
    "config_sha",
  ]],
  ["deploy.get", ["properties", "events", "items"], "deployment_events", []],
  ["deploy.history", ["items"], "deployments", READS_LEAVE_OUT.deployments],
  ["events.list", ["items"], "deployment_events", []],
  ["state.get", [], "current_state", READS_LEAVE_OUT.current_state],
  ["state.list", ["items"], "current_state", READS_LEAVE_OUT.current_state],
];

/** What `read` finds in a fresh file migrated by `migrations` through the real runner. */
async function inMigratedFile<T>(
  migrations: readonly Migration[],
  read: (sqlite: DatabaseSync) => T,
): Promise<T> {
  await using dir = await tempDir();
  const path = `${dir.path}/fresh.db`;
  const db = new Database(path);
  try {
    migrate(db, migrations);
  } finally {
    db.close();
  }
  // Read by node:sqlite directly, not through the program's own connection class.
  const sqlite = new DatabaseSync(path, { readOnly: true });
  try {
    return read(sqlite);
  } finally {
    sqlite.close();
  }
}

/** Every table with its columns in table order (PRAGMA table_info). */
function tableColumns(sqlite: DatabaseSync): Map<string, string[]> {
  const names = sqlite.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all().map((row) => String(row.name));
  return new Map(names.map((name) => [
    name,
    sqlite.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid").all(name)
      .map((row) => String(row.name)),
  ]));
}

/** The result columns of each store read, as SQLite prepares it. */
function storeReadColumns(sqlite: DatabaseSync): Map<string, string[]> {
  return new Map(
    STORE_READS.map(([name, sql]) => [name, sqlite.prepare(sql).columns().map((c) => c.name)]),
  );
}

/**
 * A mismatch between what the table holds and what a list names, in words; none when equal.
 * `ordered`: the list must also keep the table's order (what reads return keeps it as keys).
 */
function compare(
  where: string,
  expected: string[],
  listed: readonly string[],
  ordered = false,
): string[] {
  const missing = expected.filter((column) => !listed.includes(column));
  const extra = listed.filter((column) => !expected.includes(column));
  const problems = [
    ...missing.map((column) => `${where} misses ${column}`),
    ...extra.map((column) => `${where} names ${column}, which the table lacks`),
  ];
  if (problems.length === 0 && ordered && listed.join() !== expected.join()) {
    problems.push(
      `${where} lists ${listed.join(", ")}; the table's order is ${expected.join(", ")}`,
    );
  }
  return problems;
}

type Schema = Record<string, unknown>;

/** The object schema at `path` (through a nullable's anyOf), as rpc.discover publishes it. */
function schemaAt(root: Schema, path: string[]): Schema {
  let node = root;
  for (const key of path) node = node[key] as Schema;
  const branches = node.anyOf as Schema[] | undefined;
  return branches?.find((branch) => branch.type === "object") ?? node;
}

/** Every way the record lists disagree with the tables `migrations` build. */
async function drift(migrations: readonly Migration[]): Promise<string[]> {
  const [tables, reads] = await inMigratedFile(
    migrations,
    (sqlite) => [tableColumns(sqlite), storeReadColumns(sqlite)] as const,
  );
  const problems: string[] = [];
  const recordTables = Object.keys(TABLE_COLUMNS);
  for (const table of tables.keys()) {
    if (!recordTables.includes(table) && !BOOKKEEPING.includes(table)) {
      problems.push(`table ${table} has no record in src/records/`);
    }
  }
  const columns = (table: string, leaveOut: string[] = []) =>
    (tables.get(table) ?? []).filter((column) => !leaveOut.includes(column));

  for (const [table, listed] of Object.entries(TABLE_COLUMNS)) {
    problems.push(...compare(`record of ${table}`, columns(table), listed, true));
  }

  for (const [name, , table, leaveOut] of STORE_READS) {
    problems.push(...compare(`store ${name}`, columns(table, leaveOut), reads.get(name)!, true));
  }

  for (const [name, spec] of Object.entries(EXPORT_SPECS)) {
    problems.push(...compare(`export --table ${name}`, columns(spec.table), spec.columns));
  }

  const discovery = new MethodTable(OPERATIONS).discover();
  for (const [method, path, table, leaveOut, adds = []] of RPC_RECORDS) {
    const result = discovery.methods.find((m) => m.name === method)!.result;
    const properties = Object.keys(schemaAt(result, path).properties as Schema)
      .filter((name) => !adds.includes(name));
    const where = `rpc.discover ${method} result${path.length > 0 ? ` ${path.join(".")}` : ""}`;
    problems.push(...compare(where, columns(table, leaveOut), properties));
  }
  return problems;
}

Deno.test("records: every table's record, store reads, export columns and RPC results match the migrated schema", async () => {
  assertEquals(await drift(MIGRATIONS), []);
});

Deno.test("records: a migration adding a column no list has fails the comparison, in every list", async () => {
  const sql = "ALTER TABLE deployments ADD COLUMN throwaway TEXT;\n" +
    "ALTER TABLE deployment_events ADD COLUMN throwaway TEXT;\n" +
    "CREATE TABLE throwaway_table (id INTEGER PRIMARY KEY) STRICT;";
  const throwaway: Migration = {
    version: MIGRATIONS.at(-1)!.version + 1,
    name: "9999_throwaway.sql",
    sql,
    checksum: migrationChecksum(sql),
  };
  const problems = await drift([...MIGRATIONS, throwaway]);
  assertEquals(
    problems.sort(),
    [
      "table throwaway_table has no record in src/records/",
      "record of deployments misses throwaway",
      "record of deployment_events misses throwaway",
      "store HISTORY_SQL misses throwaway",
      "store HISTORY_BY_STATUS_SQL misses throwaway",
      "store LAST_SUCCESS_SQL misses throwaway",
      "store EVENTS_OF_DEPLOYMENT_SQL misses throwaway",
      "export --table deployments misses throwaway",
      "export --table events misses throwaway",
      ...RPC_RECORDS
        .filter(([, , table]) => table === "deployments" || table === "deployment_events")
        .map(([method, path]) =>
          `rpc.discover ${method} result${
            path.length > 0 ? ` ${path.join(".")}` : ""
          } misses throwaway`
        ),
    ].sort(),
  );
});
