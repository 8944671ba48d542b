/**
 * What `metrics` exposes, as data: each app's state, what is live, what is in flight, and the
 * running totals migration 0006 keeps on write (so reading costs rows per app, not per event).
 * How it is written out (Prometheus or OpenMetrics text) is the edge's business.
 */
import type { Database } from "../db/database.ts";
import type { State } from "../lifecycle.ts";
import type { Color } from "../color.ts";
import {
  databaseFacts,
  durationBounds,
  metricsApps,
  type MetricsTotalRow,
  metricsTotals,
} from "../store/metrics.ts";

/** A count with the sum of what was counted (ms). */
export interface Observed {
  count: number;
  sum_ms: number;
}

export interface AppMetrics {
  app_name: string;
  /** Null for an app known only from the totals (its current_state row was removed by hand). */
  state: State | null;
  live: { color: Color; image: string } | null;
  in_flight_since: string | null;
  last_deployment_at: string | null;
  /** Deployments ended, by outcome, with when the last one ended. */
  ended: Record<
    "success" | "failed" | "rolled_back",
    { count: number; last_ended_at: string | null }
  >;
  /** Durations per bucket (upper bound in seconds, Infinity last), not cumulative. */
  durations: Map<number, Observed>;
  time_in_state: Map<string, Observed>;
}

export interface MetricsSnapshot {
  now: string;
  database: { size_bytes: number; schema_version: number };
  /** Upper bounds of the duration buckets, in seconds, ascending (+Inf not included). */
  duration_bounds: number[];
  apps: AppMetrics[];
}

/** Reads the metrics in the caller's read transaction. */
export function readMetrics(db: Database, now: string): MetricsSnapshot {
  const apps = new Map<string, AppMetrics>();
  const app = (name: string): AppMetrics => {
    let found = apps.get(name);
    if (!found) {
      found = {
        app_name: name,
        state: null,
        live: null,
        in_flight_since: null,
        last_deployment_at: null,
        ended: {
          success: { count: 0, last_ended_at: null },
          failed: { count: 0, last_ended_at: null },
          rolled_back: { count: 0, last_ended_at: null },
        },
        durations: new Map(),
        time_in_state: new Map(),
      };
      apps.set(name, found);
    }
    return found;
  };
  for (const row of metricsApps(db)) {
    const entry = app(row.app_name);
    entry.state = row.status;
    entry.live = row.active_color === null || row.image === null
      ? null
      : { color: row.active_color, image: row.image };
    entry.in_flight_since = row.deployment_status === "in_progress"
      ? row.deployment_started_at
      : null;
    entry.last_deployment_at = row.last_started_at;
  }
  for (const row of metricsTotals(db, "ended")) {
    app(row.app_name).ended[row.key as keyof AppMetrics["ended"]] = {
      count: row.count,
      last_ended_at: String(row.value),
    };
  }
  const observed = (row: MetricsTotalRow): Observed => ({
    count: row.count,
    sum_ms: Number(row.value),
  });
  for (const row of metricsTotals(db, "durations")) {
    app(row.app_name).durations.set(Number(row.key), observed(row));
  }
  for (const row of metricsTotals(db, "states")) {
    app(row.app_name).time_in_state.set(String(row.key), observed(row));
  }
  return {
    now,
    database: databaseFacts(db),
    duration_bounds: durationBounds(db),
    apps: [...apps.values()].sort((a, b) => a.app_name < b.app_name ? -1 : 1),
  };
}
