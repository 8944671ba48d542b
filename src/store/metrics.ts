import type { Database } from "../db/database.ts";
import type { CurrentStateRecord } from "../records/current_state.ts";
import type { DeploymentStatus, State } from "../lifecycle.ts";

/** An app's current state with its latest deployment's start and status. */
export interface MetricsAppRow {
  app_name: string;
  status: State;
  active_color: CurrentStateRecord["active_color"];
  image: string | null;
  deployment_status: DeploymentStatus;
  deployment_started_at: string;
  last_started_at: string;
}

/** A running total of one app (and outcome, bucket or state), kept by migration 0006's triggers. */
export interface MetricsTotalRow {
  app_name: string;
  key: string | number;
  count: number;
  /** Milliseconds for durations and states; the last end time for outcomes. */
  value: number | string;
}

/**
 * SQL of every app's state: one row of current_state per app, its deployment by primary key and
 * its newest start from deployments_by_app_time, so the cost follows the number of apps.
 */
export const METRICS_APPS_SQL = `SELECT c.app_name, c.status, c.active_color, c.image,
    d.status AS deployment_status, d.started_at AS deployment_started_at,
    (SELECT max(started_at) FROM deployments WHERE app_name = c.app_name) AS last_started_at
  FROM current_state c JOIN deployments d ON d.id = c.deployment_id
  ORDER BY c.app_name`;

/** SQL of the running totals, each table read whole (rows per app, not per deployment). */
export const METRICS_TOTALS_SQL = {
  ended: `SELECT app_name, status AS key, count, last_ended_at AS value
    FROM metric_deployments_ended ORDER BY app_name, status`,
  durations: `SELECT app_name, le AS key, count, sum_ms AS value
    FROM metric_deployment_durations ORDER BY app_name, le`,
  states: `SELECT app_name, state AS key, count, sum_ms AS value
    FROM metric_state_time ORDER BY app_name, state`,
} as const;

export function metricsApps(db: Database): MetricsAppRow[] {
  return db.all<MetricsAppRow>(METRICS_APPS_SQL);
}

export function metricsTotals(
  db: Database,
  which: keyof typeof METRICS_TOTALS_SQL,
): MetricsTotalRow[] {
  return db.all<MetricsTotalRow>(METRICS_TOTALS_SQL[which]);
}

/** The upper bounds (seconds) of the duration histogram's buckets, ascending. */
export function durationBounds(db: Database): number[] {
  return db.all<{ le: number }>("SELECT le FROM metric_duration_bounds ORDER BY le")
    .map((row) => row.le);
}

/** The database's size in bytes (pages in use, from its header) and its schema version. */
export function databaseFacts(db: Database): { size_bytes: number; schema_version: number } {
  const pages = db.get<{ page_count: number }>("PRAGMA page_count")?.page_count ?? 0;
  const size = db.get<{ page_size: number }>("PRAGMA page_size")?.page_size ?? 0;
  const version = db.get<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")
    ?.v ?? 0;
  return { size_bytes: pages * size, schema_version: version };
}
