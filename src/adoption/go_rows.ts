/**
 * Reading the Go dockswap's tables, renamed aside as `go_<table>` while the adoption's
 * transaction rewrites them. Their SQL lives here: they are not this schema's tables, so the
 * store knows nothing of them.
 */
import type { Database, SqlValue } from "../db/database.ts";
import { GO_TABLES } from "../db/identity.ts";

/** A row as the Go tool wrote it: its tables are not STRICT, so any column may hold any value. */
type GoRow<C extends string> = Record<C, SqlValue>;

export type GoConfig = GoRow<"id" | "app_name" | "config_yaml" | "config_sha" | "created_at">;
export type GoDeployment = GoRow<
  | "id"
  | "app_name"
  | "config_id"
  | "image"
  | "started_at"
  | "ended_at"
  | "status"
  | "active_color"
  | "rollback_of"
>;
export type GoEvent = GoRow<
  "id" | "deployment_id" | "app_name" | "event_type" | "payload" | "error" | "created_at"
>;
export type GoState = GoRow<
  "app_name" | "deployment_id" | "active_color" | "image" | "status" | "updated_at"
>;

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Renames the Go tables aside (their indexes dropped), so this schema can be created. */
export function setGoTablesAside(db: Database): void {
  // Go's indexes would collide with nothing of ours, but they go with their tables anyway.
  const indexes = db.all<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
  );
  for (const { name } of indexes) db.exec(`DROP INDEX ${quoted(name)}`);
  for (const table of GO_TABLES) db.exec(`ALTER TABLE ${table} RENAME TO go_${table}`);
}

/** Drops the Go tables, children first, and its schema_version. */
export function dropGoTables(db: Database): void {
  for (const table of [...GO_TABLES].reverse()) db.exec(`DROP TABLE go_${table}`);
  db.exec("DROP TABLE schema_version");
}

/** The Go schema versions the file records. */
export function goSchemaVersions(db: Database): number[] {
  return db.all<{ version: number }>("SELECT version FROM schema_version")
    .map((r) => Number(r.version));
}

export function goConfigs(db: Database): GoConfig[] {
  return db.all<GoConfig>("SELECT * FROM go_app_configs ORDER BY id");
}

export function goDeployments(db: Database): GoDeployment[] {
  return db.all<GoDeployment>("SELECT * FROM go_deployments ORDER BY id");
}

/** The events deployment by deployment, one at a time (there may be millions). */
export function goEvents(db: Database): Generator<GoEvent> {
  return db.iterate<GoEvent>("SELECT * FROM go_deployment_events ORDER BY deployment_id, id");
}

export function goStates(db: Database): GoState[] {
  return db.all<GoState>("SELECT * FROM go_current_state ORDER BY app_name");
}

/** Every app name any Go table holds, once each. */
export function goAppNames(db: Database): SqlValue[] {
  return db.all<{ app_name: SqlValue }>(
    `SELECT app_name FROM go_app_configs UNION SELECT app_name FROM go_deployments
     UNION SELECT app_name FROM go_deployment_events UNION SELECT app_name FROM go_current_state`,
  ).map((r) => r.app_name);
}

/** The highest id a deployment has or an integer event names (0 for none). */
export function highestGoDeploymentId(db: Database): number {
  const highest = db.get<{ id: number | null }>(
    `SELECT max(id) AS id FROM (SELECT max(id) AS id FROM go_deployments UNION ALL
       SELECT max(deployment_id) FROM go_deployment_events WHERE typeof(deployment_id) = 'integer')`,
  )?.id;
  return Math.max(0, Number(highest ?? 0));
}

/** A Go text holding a NUL character, with its bytes. */
export interface TextWithNul {
  table: string;
  key: string;
  column: string;
  bytes: Uint8Array;
}

/** Every Go text value holding a NUL character, table by table. */
export function goTextsWithNul(db: Database): TextWithNul[] {
  const found: TextWithNul[] = [];
  for (const table of GO_TABLES) {
    const key = table === "current_state" ? "'app=' || app_name" : "'id=' || id";
    const columns = db.all<{ name: string }>(
      "SELECT name FROM pragma_table_info(?)",
      `go_${table}`,
    );
    for (const { name } of columns) {
      const column = quoted(name);
      const rows = db.all<{ key: string; bytes: Uint8Array }>(
        `SELECT ${key} AS key, CAST(${column} AS BLOB) AS bytes FROM go_${table}
         WHERE typeof(${column}) = 'text' AND instr(CAST(${column} AS BLOB), x'00') > 0`,
      );
      for (const row of rows) found.push({ table, key: row.key, column: name, bytes: row.bytes });
    }
  }
  return found;
}
