import type { Database, SqlValue } from "../db/database.ts";
import { CONFIG_SUMMARY_COLUMNS } from "../records/config.ts";
import { CURRENT_STATE_COLUMNS } from "../records/current_state.ts";
import { DEPLOYMENT_COLUMNS } from "../records/deployment.ts";
import { EVENT_COLUMNS } from "../records/event.ts";

/** The tables `export` can write, by their export name. */
export const EXPORT_TABLES = ["configs", "deployments", "events", "state"] as const;
export type ExportTable = typeof EXPORT_TABLES[number];

interface TableSpec {
  /** SQL table name. */
  readonly table: string;
  /** Columns in their stable export order. */
  readonly columns: readonly string[];
  /** The column --since/--until compare. */
  readonly time: string;
  /** True when rows have an ever-growing id a cursor can remember (current_state has none). */
  readonly hasId: boolean;
  /** Columns holding JSON text, exported as JSON values (not as strings). */
  readonly json: readonly string[];
  /** The `kind` of a typed line in `--table all`. */
  readonly kind: string;
}

/** How each export table maps to SQL: every column of its record, in the CSV column order. */
export const EXPORT_SPECS: Readonly<Record<ExportTable, TableSpec>> = {
  configs: {
    table: "app_configs",
    // The YAML last: a CSV row's short fields come first.
    columns: [...CONFIG_SUMMARY_COLUMNS, "config_yaml"],
    time: "created_at",
    hasId: true,
    json: [],
    kind: "config",
  },
  deployments: {
    table: "deployments",
    columns: DEPLOYMENT_COLUMNS,
    time: "started_at",
    hasId: true,
    json: [],
    kind: "deployment",
  },
  events: {
    table: "deployment_events",
    columns: EVENT_COLUMNS,
    time: "created_at",
    hasId: true,
    json: ["payload"],
    kind: "event",
  },
  state: {
    table: "current_state",
    columns: CURRENT_STATE_COLUMNS,
    time: "updated_at",
    hasId: false,
    json: [],
    kind: "state",
  },
};

/** Which rows of a table to export. */
export interface ExportFilter {
  app?: string;
  /** Inclusive lower time bound (stored format). */
  since?: string;
  /** Exclusive upper time bound (stored format). */
  until?: string;
  /** Only rows with a larger id (the cursor). */
  afterId?: number;
  /** Only rows with a smaller id (holds back deployments after one still in flight). */
  beforeId?: number;
  /** Only rows pointing at a smaller deployment id (state rows whose deployment is held back). */
  beforeDeploymentId?: number;
}

function where(
  spec: TableSpec,
  filter: ExportFilter,
  paged = false,
): { sql: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (filter.app !== undefined) {
    // Pages walk the primary key: `+` keeps SQLite off the app's (app_name, time) index, which
    // would read and sort all of the app's rows again for every page. One pass over the key
    // range instead, however large the app.
    clauses.push(paged && spec.hasId ? "+app_name = ?" : "app_name = ?");
    params.push(filter.app);
  }
  if (filter.since !== undefined) {
    clauses.push(`${spec.time} >= ?`);
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    clauses.push(`${spec.time} < ?`);
    params.push(filter.until);
  }
  if (spec.hasId && filter.afterId !== undefined) {
    clauses.push("id > ?");
    params.push(filter.afterId);
  }
  if (spec.hasId && filter.beforeId !== undefined) {
    clauses.push("id < ?");
    params.push(filter.beforeId);
  }
  if (filter.beforeDeploymentId !== undefined && spec.columns.includes("deployment_id")) {
    clauses.push("deployment_id < ?");
    params.push(filter.beforeDeploymentId);
  }
  return { sql: clauses.length > 0 ? ` WHERE ${clauses.join(" AND ")}` : "", params };
}

/**
 * Rows read per query: enough to amortise a query, and few enough that a page of NDJSON stays
 * far below V8's large-object size (~128 KiB). A larger page's text lands in large-object space,
 * freed only by a full GC, so peak memory grew with the export (1M events: 150 MiB at 1,000 rows
 * a page, 102 MiB at 100; same speed).
 */
const PAGE_ROWS = 100;

/** One page of an export: its rows, how many, and the id of the last one. */
export interface ExportPage<T> {
  rows: T;
  count: number;
  /** Null for current_state, which has no id. */
  lastId: number | null;
}

/**
 * The query of one page: the rows after key `after` (from the start when undefined), in key
 * order. The key's bound is the page's only lower bound on it: a cursor's `afterId` as a second
 * `id > ?` made SQLite start every page's range at the cursor and read its way to the page.
 * `select` replaces the spec's column list (the JSON lines read each row as one object).
 */
export function pageQuery(
  table: ExportTable,
  filter: ExportFilter,
  after: SqlValue | undefined,
  select?: string,
): { sql: string; params: SqlValue[] } {
  const spec = EXPORT_SPECS[table];
  const key = keyOf(spec);
  const { sql, params } = where(spec, { ...filter, afterId: undefined }, true);
  const columns = select ?? spec.columns.map(jsonColumn(spec)).join(", ");
  const bound = after === undefined ? "" : `${sql === "" ? " WHERE" : " AND"} ${key} > ?`;
  return {
    sql: `SELECT ${columns} FROM ${spec.table}${sql}${bound} ORDER BY ${key} LIMIT ${PAGE_ROWS}`,
    params: after === undefined ? params : [...params, after],
  };
}

/** The column that orders a table's pages: unique, so each page resumes after the last one. */
function keyOf(spec: TableSpec): string {
  return spec.hasId ? "id" : "app_name";
}

/** A column as read for export: JSON columns minified by SQLite's json(), the rest as stored. */
function jsonColumn(spec: TableSpec) {
  return (column: string) => spec.json.includes(column) ? `json(${column}) AS ${column}` : column;
}

/**
 * The rows of a table, a page at a time, as arrays in `spec.columns` order, ordered by id (by
 * app for current_state) so that a cursor's "last id" splits exported from unexported rows.
 * Each page resumes after the previous page's last key (the order column is unique), so no
 * page re-reads what an earlier one returned; run inside one read snapshot for consistency.
 * JSON columns come out as compact JSON text, minified by SQLite's json(): what we stored is
 * already compact, and an adopted row's spacing (even line breaks) goes, its numbers exact.
 */
export function* exportValuePages(
  db: Database,
  table: ExportTable,
  filter: ExportFilter,
): Generator<ExportPage<SqlValue[][]>> {
  const spec = EXPORT_SPECS[table];
  const keyIndex = spec.columns.indexOf(keyOf(spec));
  let page = valuePage(db, table, filter, spec.hasId ? filter.afterId : undefined);
  while (page.length > 0) {
    const last = page[page.length - 1];
    yield { rows: page, count: page.length, lastId: spec.hasId ? Number(last[keyIndex]) : null };
    if (page.length < PAGE_ROWS) return;
    page = valuePage(db, table, filter, last[keyIndex]);
  }
}

function valuePage(
  db: Database,
  table: ExportTable,
  filter: ExportFilter,
  after: SqlValue | undefined,
): SqlValue[][] {
  const { sql, params } = pageQuery(table, filter, after);
  return db.allArrays(sql, ...params);
}

/** How each row of a JSON export is laid out: NDJSON's is "" before and "\n" after. */
export interface ObjectLayout {
  /** With `"kind"` first (several tables in one file). */
  typed: boolean;
  before: string;
  after: string;
}

/**
 * The rows of a table as JSON objects, a page of text at a time, each object between `before`
 * and `after`, with `"kind"` first when `typed`. SQLite writes each page's text (json_object,
 * joined by group_concat): one string per page reaches JavaScript, not one value per column.
 * JSON columns go in as stored while every stored value is compact (`payload_spacing`), else
 * through json(): the same text either way.
 * That text is what JSON.stringify makes of the values (tests/store/export_lines_test.ts), as
 * the tables are STRICT (TEXT, INTEGER or NULL, never REAL or BLOB); a page holding an integer
 * JavaScript cannot represent, or a NUL character, goes through the value path, which refuses or
 * reads it as it always did.
 */
export function* exportObjectPages(
  db: Database,
  table: ExportTable,
  filter: ExportFilter,
  layout: ObjectLayout,
): Generator<ExportPage<string>> {
  const spec = EXPORT_SPECS[table];
  const integers = strictIntegerColumns(db, spec);
  if (integers === undefined) {
    yield* valueObjectPages(db, table, filter, layout);
    return;
  }
  let after: SqlValue | undefined = spec.hasId ? filter.afterId : undefined;
  // Pages check their own integers only when the table holds one beyond the exact range: all
  // pages are read in the snapshot checked here, and four aggregates a page are not free.
  const checked = holdsUnsafeInteger(db, table, integers) ? integers : [];
  const json = spec.json.length > 0 && storedJsonIsCompact(db) ? "as stored" : "minified";
  // Built once: every page after the first is the same statement, its last parameter the key.
  const first = linePageQuery(table, filter, after, layout, checked, json);
  const next = linePageQuery(table, filter, 0, layout, checked, json);
  const nextParams = next.params.slice(0, -1);
  for (let page = 0;; page++) {
    const { sql, params } = page === 0 ? first : { sql: next.sql, params: [...nextParams, after!] };
    const [text, count, last, unsafe] = db.allArrays(sql, ...params)[0] as [
      string | null,
      number,
      SqlValue,
      number | null,
    ];
    if (count === 0) return;
    // node:sqlite reads text up to a NUL character, which SQLite writes as \u0000: such a page
    // (or one that merely holds that escape) is read value by value, as it always was.
    const rows = unsafe === 1 || text!.includes("\\u0000")
      ? objectText(valuePage(db, table, filter, after), spec, layout)
      : text!;
    yield { rows, count, lastId: spec.hasId ? Number(last) : null };
    if (count < PAGE_ROWS) return;
    after = last;
  }
}

/** Past this, an integer is not exact as a JavaScript number (node:sqlite refuses to read it). */
const MAX_SAFE = "9007199254740991";

/**
 * Whether any of the table's `integers` columns holds a value beyond JavaScript's exact range,
 * anywhere in the table. Each bound is SQLite's min/max optimisation: one search of the rowid
 * or of an index led by the column (tests/store/query_plan_test.ts).
 */
export function unsafeIntegerQuery(table: ExportTable, integers: readonly string[]): string {
  const { table: name } = EXPORT_SPECS[table];
  const bounds = integers.flatMap((column) => [
    `ifnull((SELECT max(${column}) FROM ${name}) > ${MAX_SAFE}, 0)`,
    `ifnull((SELECT min(${column}) FROM ${name}) < -${MAX_SAFE}, 0)`,
  ]);
  return `SELECT ${bounds.length === 0 ? "0" : bounds.join(" OR ")} AS unsafe`;
}

/**
 * Whether every event payload is stored compact, as json() would write it: migration 0008's
 * triggers keep `payload_spacing` on every write. Read in the export's snapshot, as its pages are.
 */
function storedJsonIsCompact(db: Database): boolean {
  return db.get<{ spaced: number }>("SELECT spaced FROM payload_spacing")?.spaced === 0;
}

function holdsUnsafeInteger(
  db: Database,
  table: ExportTable,
  integers: readonly string[],
): boolean {
  if (integers.length === 0) return false;
  return db.get<{ unsafe: number }>(unsafeIntegerQuery(table, integers))?.unsafe === 1;
}

/**
 * One page of a table as one row: its objects' text, how many, its last key, and whether an
 * integer column holds a value beyond JavaScript's exact range (1; else 0). JSON columns are
 * put in `json`: "as stored" only when every stored value is compact.
 */
export function linePageQuery(
  table: ExportTable,
  filter: ExportFilter,
  after: SqlValue | undefined,
  layout: ObjectLayout,
  integers: readonly string[],
  json: "as stored" | "minified" = "minified",
): { sql: string; params: SqlValue[] } {
  const spec = EXPORT_SPECS[table];
  const unsafe = integers.length === 0
    ? "0"
    : integers.map((column) => `max(${column}) > ${MAX_SAFE} OR min(${column}) < -${MAX_SAFE}`)
      .join(" OR ");
  const select = [`${objectSql(spec, layout, json)} AS line`, `${keyOf(spec)} AS key`, ...integers]
    .join(", ");
  const page = pageQuery(table, filter, after, select);
  return {
    // The page's rows reach group_concat in key order (the subquery's ORDER BY). The last key
    // is withheld from an unsafe page: node:sqlite would refuse it before the page is redone.
    sql: `SELECT text, count, CASE WHEN unsafe THEN NULL ELSE last END, unsafe FROM (
      SELECT ? || group_concat(line, ?) || ? AS text, count(*) AS count, max(key) AS last,
        ${unsafe} AS unsafe FROM (${page.sql}))`,
    params: [layout.before, layout.after + layout.before, layout.after, ...page.params],
  };
}

/**
 * A row as the text of one JSON object. Minified, one json_object with json() around each JSON
 * column. As stored, each JSON column's text is put between json_objects of the columns around
 * it, their braces trimmed: json_object would quote the bare text as a string, and only json()
 * (which parses it) marks it as JSON. A trimmed brace is always the object's own: every other
 * value is a quoted string, a number or null.
 */
function objectSql(spec: TableSpec, layout: ObjectLayout, json: "as stored" | "minified"): string {
  const fields = [
    ...(layout.typed ? [{ key: "kind", value: sqlText(spec.kind), isJson: false }] : []),
    ...spec.columns.map((column) => ({
      key: column,
      value: column,
      isJson: spec.json.includes(column),
    })),
  ];
  const pair = (field: typeof fields[number]) =>
    `${sqlText(field.key)}, ${field.isJson ? `json(${field.value})` : field.value}`;
  if (json === "minified" || spec.json.length === 0) {
    return `json_object(${fields.map(pair).join(", ")})`;
  }
  // Runs of plain fields and the JSON fields between them, in column order.
  const runs: (typeof fields)[] = [];
  for (const field of fields) {
    const last = runs.at(-1);
    if (field.isJson || last === undefined || last[0].isJson) runs.push([field]);
    else last.push(field);
  }
  return runs.map((run, i) => {
    const first = i === 0;
    const final = i === runs.length - 1;
    if (run[0].isJson) {
      const key = sqlText(`${first ? "{" : ","}${JSON.stringify(run[0].key)}:`);
      const text = `${key} || ifnull(${run[0].value}, 'null')`;
      return final ? `${text} || '}'` : text;
    }
    const object = `json_object(${run.map(pair).join(", ")})`;
    if (first) return `rtrim(${object}, '}')`;
    return `',' || ${final ? `ltrim(${object}, '{')` : `trim(${object}, '{}')`}`;
  }).join(" || ");
}

/** A string as an SQL literal (column and kind names: plain words). */
function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The table's INTEGER columns when SQLite's JSON text of its rows is JavaScript's: a STRICT
 * table whose exported columns are all INTEGER or TEXT. Undefined otherwise (then every value
 * is read and written by JavaScript).
 */
function strictIntegerColumns(db: Database, spec: TableSpec): string[] | undefined {
  const strict = db.get<{ strict: number }>(
    "SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = ?",
    spec.table,
  );
  if (strict?.strict !== 1) return undefined;
  const types = new Map(
    db.all<{ name: string; type: string }>(
      "SELECT name, type FROM pragma_table_info(?)",
      spec.table,
    )
      .map((column) => [column.name, column.type]),
  );
  const integers: string[] = [];
  for (const column of spec.columns) {
    const type = types.get(column);
    if (type === "INTEGER") integers.push(column);
    else if (type !== "TEXT") return undefined;
  }
  return integers;
}

/** The same pages as exportObjectPages, each value read by node:sqlite and written by JSON.stringify. */
export function* valueObjectPages(
  db: Database,
  table: ExportTable,
  filter: ExportFilter,
  layout: ObjectLayout,
): Generator<ExportPage<string>> {
  const spec = EXPORT_SPECS[table];
  for (const page of exportValuePages(db, table, filter)) {
    yield { rows: objectText(page.rows, spec, layout), count: page.count, lastId: page.lastId };
  }
}

/** Rows of values as JSON objects: keys precomputed, JSON columns copied as they come. */
function objectText(rows: SqlValue[][], spec: TableSpec, layout: ObjectLayout): string {
  const start = layout.before + (layout.typed ? `{"kind":${JSON.stringify(spec.kind)},` : "{");
  const keys = spec.columns.map((column, i) =>
    (i === 0 ? start : ",") + JSON.stringify(column) + ":"
  );
  const end = "}" + layout.after;
  const verbatim = spec.columns.map((column) => spec.json.includes(column));
  let text = "";
  for (const values of rows) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      text += keys[i] + (verbatim[i] && typeof value === "string" ? value : JSON.stringify(value));
    }
    text += end;
  }
  return text;
}

/** How many rows an export of the table will write (for the progress bar). */
export function countExportRows(db: Database, table: ExportTable, filter: ExportFilter): number {
  const spec = EXPORT_SPECS[table];
  const { sql, params } = where(spec, filter);
  return db.get<{ n: number }>(`SELECT count(*) AS n FROM ${spec.table}${sql}`, ...params)?.n ?? 0;
}

/**
 * The id of the oldest deployment still in flight (of one app, or of any), or undefined.
 * Incremental exports stop before it: a deployment row changes until it ends, and a cursor
 * must only pass rows that will not change again.
 */
export function oldestInFlightDeploymentId(db: Database, app?: string): number | undefined {
  const row = app === undefined
    ? db.get<{ id: number | null }>(
      "SELECT min(id) AS id FROM deployments WHERE status = 'in_progress'",
    )
    : db.get<{ id: number | null }>(
      "SELECT min(id) AS id FROM deployments WHERE status = 'in_progress' AND app_name = ?",
      app,
    );
  return row?.id ?? undefined;
}

/**
 * The first event of the deployments numbered from `?` on (of one app: `+app_name = ?`). The
 * deployments drive the join (CROSS JOIN keeps that order): they are the few in flight and after,
 * and each one's events are one seek in its index. Left to itself, SQLite walked every event
 * from the first id for `min(id)`, or every event of the app.
 */
export const FIRST_HELD_EVENT_SQL = `SELECT min(e.id) AS id
  FROM deployments d CROSS JOIN deployment_events e ON e.deployment_id = d.id
  WHERE d.id >= ?`;
export const FIRST_HELD_EVENT_OF_APP_SQL = `${FIRST_HELD_EVENT_SQL} AND +e.app_name = ?`;

/**
 * The id of the first event of a deployment numbered `deploymentId` or later (of one app, or of
 * any), or undefined. An incremental export that holds those deployments back stops its events
 * there too: an event must never reach a file before its deployment row does.
 */
export function firstEventOfDeploymentsFrom(
  db: Database,
  deploymentId: number,
  app?: string,
): number | undefined {
  const row = app === undefined
    ? db.get<{ id: number | null }>(FIRST_HELD_EVENT_SQL, deploymentId)
    : db.get<{ id: number | null }>(FIRST_HELD_EVENT_OF_APP_SQL, deploymentId, app);
  return row?.id ?? undefined;
}
