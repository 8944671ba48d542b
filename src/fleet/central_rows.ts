/**
 * The central tables' columns and the SQL that writes and reads them: batches of local rows sent
 * with COPY, straight into the table when none of them can be there yet, else into a staging
 * table of text columns and then one upsert from it, keyed on (host_id, local id); small sets of
 * rows as one upsert of `unnest` arrays.
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
 * ` ON CONFLICT DO UPDATE` for an insert into `table`, changing a row only when a value differs
 * (an unchanged row is not rewritten).
 */
function onConflictSql(table: CentralTable): string {
  const updated = SYNC_COLUMNS[table].filter((c) => c !== keyOf(table));
  // json has no equality operator: compare its text, which json keeps as sent.
  const compared = (prefix: string) =>
    updated.map((c) => columnType(c) === "json" ? `${prefix}.${c}::text` : `${prefix}.${c}`)
      .join(", ");
  return ` ON CONFLICT (host_id, ${keyOf(table)}) DO UPDATE SET
      ${updated.map((c) => `${c} = excluded.${c}`).join(", ")}
    WHERE (${compared(table)}) IS DISTINCT FROM (${compared("excluded")})`;
}

/** `INSERT ... SELECT $1, unnest($2::type[], ...)` and the upsert clause. */
export function upsertSql(table: CentralTable): string {
  const columns: readonly string[] = SYNC_COLUMNS[table];
  const arrays = columns.map((c, i) => `$${i + 2}::${columnType(c)}[]`).join(", ");
  return `INSERT INTO ${table} (host_id, ${columns.join(", ")})
    SELECT $1::uuid, u.* FROM unnest(${arrays}) AS u(${columns.join(", ")})` +
    onConflictSql(table);
}

/** The session's staging table for `table`: its columns as text, emptied at each commit. */
export function stagingTable(table: CentralTable): string {
  return `pg_temp.sync_${table}`;
}

/**
 * Creates the staging table unless this session has it. Text columns only, no constraints: COPY
 * into it cannot fail on a value; the upsert's casts and the real table's rules check them.
 */
export function createStagingSql(table: CentralTable): string {
  const columns = SYNC_COLUMNS[table].map((c) => `${c} text`).join(", ");
  return `CREATE TEMPORARY TABLE IF NOT EXISTS ${stagingTable(table)} (${columns})
    ON COMMIT DELETE ROWS`;
}

/** `COPY` of one batch into the staging table (text format, as `copyText` writes it). */
export function copySql(table: CentralTable): string {
  return `COPY ${stagingTable(table)} (${SYNC_COLUMNS[table].join(", ")}) FROM STDIN`;
}

/**
 * `COPY` of one batch straight into the table, host id first in each row (`copyRows` with the
 * host id as leading value): for rows the table provably lacks, so nothing can conflict.
 */
export function copyIntoTableSql(table: CentralTable): string {
  return `COPY ${table} (host_id, ${SYNC_COLUMNS[table].join(", ")}) FROM STDIN`;
}

/**
 * Whether rows may go straight into the table by COPY: it holds no row of host `$1` with an id
 * above `$2`, and it has no row-level security (PostgreSQL refuses COPY FROM into such a table
 * for the roles its policies apply to; an INSERT goes through them).
 */
export function straightCopyAllowedSql(table: CentralTable): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM ${table} WHERE host_id = $1::uuid AND id > $2::bigint)
    AND NOT (SELECT relrowsecurity FROM pg_class WHERE oid = '${table}'::regclass) AS allowed`;
}

/** The upsert of everything in the staging table (host id `$1`). */
export function upsertFromStagingSql(table: CentralTable): string {
  const columns: readonly string[] = SYNC_COLUMNS[table];
  const cast = (c: string) => columnType(c) === "text" ? `s.${c}` : `s.${c}::${columnType(c)}`;
  return `INSERT INTO ${table} (host_id, ${columns.join(", ")})
    SELECT $1::uuid, ${columns.map(cast).join(", ")} FROM ${stagingTable(table)} AS s` +
    onConflictSql(table);
}

/** Bytes COPY's text format escapes with a backslash. */
const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/**
 * Rows as COPY's text format, UTF-8: tab between values, newline after each row, `\\N` for null,
 * and backslash, tab, newline and carriage return escaped (so a value `\\N` stays text).
 * `leading`, when given, is written first in every row (as it is: no byte of it needs escaping).
 */
export function copyRows(rows: readonly (readonly unknown[])[], leading?: string): Uint8Array {
  const start = leading === undefined ? "" : `${leading}\t`;
  let text = "";
  for (const row of rows) {
    text += start;
    for (let c = 0; c < row.length; c++) {
      if (c > 0) text += "\t";
      text += copyValue(row[c]);
    }
    text += "\n";
  }
  return encoder.encode(text);
}

const encoder = new TextEncoder();

function copyValue(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "string" ? value : String(value);
  return text.replace(COPY_SPECIAL, (ch) => COPY_ESCAPES[ch]);
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
