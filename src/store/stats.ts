import type { Database } from "../db/database.ts";
import type { DeploymentStatus, State } from "../lifecycle.ts";

/** A deployment as the delivery statistics read it. */
export interface StatsDeploymentRow {
  app_name: string;
  started_at: string;
  ended_at: string | null;
  status: DeploymentStatus;
  rollback_of: number | null;
  /**
   * 1 when an event of the deployment ended it at `ended_at` (so its duration is measured); 0 for
   * an adopted row whose end time was reconstructed.
   */
  end_recorded: number;
}

/** One event's transition, for the time spent in each state. */
export interface StatsEventRow {
  deployment_id: number;
  from_state: State;
  to_state: State;
  created_at: string;
}

/** Whether an event of deployment `d` ended it at its `ended_at` (false while in flight). */
const END_RECORDED = `EXISTS (SELECT 1 FROM deployment_events e
      WHERE e.deployment_id = d.id AND e.created_at = d.ended_at
        AND e.to_state IN ('stable', 'failed') AND e.from_state NOT IN ('stable', 'failed'))`;

/** Every app that has deployed (each has a current_state row). */
const ALL_APPS = "IN (SELECT app_name FROM current_state)";

/**
 * Milliseconds from one stored timestamp to another, as the difference of their Date.parse: the
 * CHECKs keep them in one ISO form, which SQLite reads to the millisecond.
 */
const msBetween = (from: string, to: string) =>
  `ROUND((unixepoch(${to}, 'subsec') - unixepoch(${from}, 'subsec')) * 1000)`;

/**
 * SQL of the deployments started in [since, until) of the apps `apps` selects, those in flight
 * first, then by end time and id, with whether an event ended each one at its `ended_at`: per app
 * a range of deployments_by_app_time and, per deployment, one seek of
 * deployment_events_by_deployment_time. SQLite sorts the window by end time (its sorter spills to
 * a temporary file, so nothing here grows with the window in the program's memory).
 */
const deploymentsByEndSql = (apps: string) =>
  `SELECT d.app_name, d.started_at, d.ended_at, d.status, d.rollback_of,
    ${END_RECORDED} AS end_recorded
  FROM deployments d
  WHERE d.app_name ${apps} AND d.started_at >= ? AND d.started_at < ?
  ORDER BY d.ended_at, d.id`;

/** SQL of one app's deployments in a window, by end (parameters: app, since, until). */
export const STATS_APP_DEPLOYMENTS_SQL = deploymentsByEndSql("= ?");

/** SQL of every deployed app's deployments in a window, by end (parameters: since, until). */
export const STATS_ALL_DEPLOYMENTS_SQL = deploymentsByEndSql(ALL_APPS);

/**
 * SQL of the recorded durations (ms) of every deployed app's deployments started in
 * [since, until), ascending: the overall row's median and percentile are read off it.
 */
export const STATS_ALL_DURATIONS_SQL = `SELECT ${msBetween("d.started_at", "d.ended_at")} AS ms
  FROM deployments d
  WHERE d.app_name ${ALL_APPS} AND d.started_at >= ? AND d.started_at < ? AND ${END_RECORDED}
  ORDER BY ms`;

/**
 * SQL of the completed state spans (ms) of every deployed app's deployments started in
 * [since, until), by state then ascending, as the operation's completedSpans defines them: an
 * event whose to_state differs from the one before it in its deployment enters that state, which
 * lasts until the next such event.
 */
export const STATS_ALL_STATE_SPANS_SQL = `WITH entered AS (
    SELECT e.deployment_id, e.id, e.to_state, e.created_at,
      LAG(e.to_state) OVER (PARTITION BY e.deployment_id ORDER BY e.created_at, e.id) AS before
    FROM deployments d JOIN deployment_events e ON e.deployment_id = d.id
    WHERE d.app_name ${ALL_APPS} AND d.started_at >= ? AND d.started_at < ?
  ), changes AS (
    SELECT to_state, created_at,
      LEAD(created_at) OVER (PARTITION BY deployment_id ORDER BY created_at, id) AS left_at
    FROM entered WHERE before IS NULL OR before <> to_state
  )
  SELECT to_state AS state, ${msBetween("created_at", "left_at")} AS ms
  FROM changes WHERE left_at IS NOT NULL AND to_state <> 'stable'
  ORDER BY to_state, ms`;

/** SQL of the events of an app's deployments started in [since, until), by deployment then time. */
export const STATS_EVENTS_SQL = `SELECT e.deployment_id, e.from_state, e.to_state, e.created_at
  FROM deployments d JOIN deployment_events e ON e.deployment_id = d.id
  WHERE d.app_name = ? AND d.started_at >= ? AND d.started_at < ?
  ORDER BY d.started_at, d.id, e.created_at, e.id`;

/** SQL of every app that has a deployment (each has a current_state row), by name. */
export const STATS_APPS_SQL = "SELECT app_name FROM current_state ORDER BY app_name";

/** The apps that have deployed, sorted by name. */
export function deployedApps(db: Database): string[] {
  return db.all<{ app_name: string }>(STATS_APPS_SQL).map((row) => row.app_name);
}

/**
 * The deployments started in [since, until) of one app (or, for null, of every app that has
 * deployed), one at a time: those in flight first, then the ended ones in order of end and id.
 */
export function deploymentsByEnd(
  db: Database,
  app: string | null,
  since: string,
  until: string,
): Iterable<StatsDeploymentRow> {
  return app === null
    ? db.iterate<StatsDeploymentRow>(STATS_ALL_DEPLOYMENTS_SQL, since, until)
    : db.iterate<StatsDeploymentRow>(STATS_APP_DEPLOYMENTS_SQL, app, since, until);
}

/**
 * The events of an app's deployments started in [since, until), one at a time, by deployment,
 * oldest first.
 */
export function eventsInWindow(
  db: Database,
  app: string,
  since: string,
  until: string,
): Iterable<StatsEventRow> {
  return db.iterate<StatsEventRow>(STATS_EVENTS_SQL, app, since, until);
}

/** The recorded durations of every deployed app's deployments in a window, ascending. */
export function allDurations(db: Database, since: string, until: string): Iterable<number> {
  return mapRows(db.iterate<{ ms: number }>(STATS_ALL_DURATIONS_SQL, since, until), (r) => r.ms);
}

/** The completed state spans of every deployed app's deployments in a window, by state, ascending. */
export function allStateSpans(
  db: Database,
  since: string,
  until: string,
): Iterable<{ state: State; ms: number }> {
  return db.iterate<{ state: State; ms: number }>(STATS_ALL_STATE_SPANS_SQL, since, until);
}

function* mapRows<T, U>(rows: Iterable<T>, f: (row: T) => U): Generator<U> {
  for (const row of rows) yield f(row);
}
