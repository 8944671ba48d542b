import type { Database, Row, SqlValue } from "../db/database.ts";

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
  /** Columns holding JSON text, exported parsed. */
  readonly json: readonly string[];
  /** The `kind` of a typed line in `--table all`. */
  readonly kind: string;
}

/** How each export table maps to SQL; column order here is the CSV column order. */
export const EXPORT_SPECS: Readonly<Record<ExportTable, TableSpec>> = {
  configs: {
    table: "app_configs",
    columns: ["id", "app_name", "config_sha", "created_at", "config_yaml"],
    time: "created_at",
    hasId: true,
    json: [],
    kind: "config",
  },
  deployments: {
    table: "deployments",
    columns: [
      "id",
      "app_name",
      "config_id",
      "image",
      "started_at",
      "ended_at",
      "status",
      "active_color",
      "rollback_of",
      "legacy_status",
    ],
    time: "started_at",
    hasId: true,
    json: [],
    kind: "deployment",
  },
  events: {
    table: "deployment_events",
    columns: [
      "id",
      "deployment_id",
      "app_name",
      "event_type",
      "from_state",
      "to_state",
      "payload",
      "error",
      "created_at",
    ],
    time: "created_at",
    hasId: true,
    json: ["payload"],
    kind: "event",
  },
  state: {
    table: "current_state",
    columns: [
      "app_name",
      "deployment_id",
      "active_color",
      "image",
      "status",
      "updated_at",
      "legacy_status",
    ],
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
}

function where(spec: TableSpec, filter: ExportFilter): { sql: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (filter.app !== undefined) {
    clauses.push("app_name = ?");
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
  return { sql: clauses.length > 0 ? ` WHERE ${clauses.join(" AND ")}` : "", params };
}

/**
 * The rows of a table one at a time, ordered by id (by app for current_state) so that a
 * cursor's "last id" splits exported from unexported rows; JSON columns come out parsed.
 */
export function* exportRows(
  db: Database,
  table: ExportTable,
  filter: ExportFilter,
): Generator<Row & Record<string, unknown>> {
  const spec = EXPORT_SPECS[table];
  const { sql, params } = where(spec, filter);
  const order = spec.hasId ? "id" : "app_name";
  const rows = db.iterate<Record<string, unknown>>(
    `SELECT ${spec.columns.join(", ")} FROM ${spec.table}${sql} ORDER BY ${order}`,
    ...params,
  );
  for (const row of rows) {
    const record: Record<string, unknown> = {};
    for (const column of spec.columns) {
      const value = row[column];
      record[column] = spec.json.includes(column) && typeof value === "string"
        ? JSON.parse(value)
        : value;
    }
    yield record as Row & Record<string, unknown>;
  }
}

/** How many rows `exportRows` will yield (for the progress bar). */
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
