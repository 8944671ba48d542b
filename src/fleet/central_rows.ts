/**
 * The central tables' columns and the SQL that writes and reads them: batches of local rows as
 * one upsert each (`unnest` of one array per column), keyed on (host_id, local id).
 */
import { SYNC_COLUMNS } from "../store/sync_source.ts";

/** A central table sync writes: the synced tables and current_state. */
export type CentralTable = keyof typeof SYNC_COLUMNS;

/** PostgreSQL type of each column the central tables share with the local ones. */
const COLUMN_TYPES: Record<string, string> = {
  id: "bigint",
  config_id: "bigint",
  rollback_of: "bigint",
  deployment_id: "bigint",
  created_at: "timestamptz",
  started_at: "timestamptz",
  ended_at: "timestamptz",
  updated_at: "timestamptz",
  payload: "json",
};

function columnType(column: string): string {
  return COLUMN_TYPES[column] ?? "text";
}

/** The key besides host_id. */
function keyOf(table: CentralTable): string {
  return table === "current_state" ? "app_name" : "id";
}

/**
 * `INSERT ... SELECT $1, unnest($2::type[], ...) ON CONFLICT DO UPDATE`, changing a row only when
 * a value differs (an unchanged row is not rewritten).
 */
export function upsertSql(table: CentralTable): string {
  const columns: readonly string[] = SYNC_COLUMNS[table];
  const arrays = columns.map((c, i) => `$${i + 2}::${columnType(c)}[]`).join(", ");
  const updated = columns.filter((c) => c !== keyOf(table));
  // json has no equality operator: compare its text, which json keeps as sent.
  const compared = (prefix: string) =>
    updated.map((c) => columnType(c) === "json" ? `${prefix}.${c}::text` : `${prefix}.${c}`)
      .join(", ");
  return `INSERT INTO ${table} (host_id, ${columns.join(", ")})
    SELECT $1::uuid, u.* FROM unnest(${arrays}) AS u(${columns.join(", ")})
    ON CONFLICT (host_id, ${keyOf(table)}) DO UPDATE SET
      ${updated.map((c) => `${c} = excluded.${c}`).join(", ")}
    WHERE (${compared(table)}) IS DISTINCT FROM (${compared("excluded")})`;
}

/**
 * A select list giving each column as the local file stores it: times as UTC ISO-8601 text with
 * milliseconds, payloads as their JSON text, ids as numbers.
 */
export function localShapeColumns(table: CentralTable): string {
  return SYNC_COLUMNS[table].map((c) => {
    const type = columnType(c);
    if (type === "timestamptz") {
      return `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${c}`;
    }
    if (type === "json") return `${c}::text AS ${c}`;
    if (type === "bigint") return `${c}::float8 AS ${c}`;
    return c;
  }).join(", ");
}

/** Rows (arrays in column order) turned into one array per column, as the upsert binds them. */
export function columnArrays(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const arrays: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) arrays[c][r] = row[c];
  });
  return arrays;
}
