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

/**
 * SQL of the deployments started in [since, until) of the apps `apps` selects, those in flight
 * first, then by end time and id, with whether an event ended each one at its `ended_at`: per app
 * a range of deployments_by_app_time and, per deployment, one seek of
 * deployment_events_by_deployment_time. SQLite sorts the window by end time (its sorter spills to
 * a temporary file, so nothing here grows with the window in the program's memory).
 */
const deploymentsByEndSql = (apps: string) =>
  `SELECT d.app_name, d.started_at, d.ended_at, d.status, d.rollback_of,
    EXISTS (SELECT 1 FROM deployment_events e
      WHERE e.deployment_id = d.id AND e.created_at = d.ended_at
        AND e.to_state IN ('stable', 'failed') AND e.from_state NOT IN ('stable', 'failed'))
      AS end_recorded
  FROM deployments d
  WHERE d.app_name ${apps} AND d.started_at >= ? AND d.started_at < ?
  ORDER BY d.ended_at, d.id`;

/** SQL of one app's deployments in a window, by end (parameters: app, since, until). */
export const STATS_APP_DEPLOYMENTS_SQL = deploymentsByEndSql("= ?");

/** SQL of every deployed app's deployments in a window, by end (parameters: since, until). */
export const STATS_ALL_DEPLOYMENTS_SQL = deploymentsByEndSql(
  "IN (SELECT app_name FROM current_state)",
);

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
