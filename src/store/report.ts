/**
 * The reads of `report`: an app's deployments in a time range, its failures, the errors of a
 * deployment. Each is an index search on one app or one deployment, so a page costs in
 * proportion to what it shows, never to the whole history. (SQL exported so tests can plan it.)
 */
import type { Database } from "../db/database.ts";
import type { EventType, State } from "../lifecycle.ts";
import { DEPLOYMENT_RECORD_COLUMNS, type DeploymentRecord } from "../records/deployment.ts";
import { columnList } from "./sql.ts";

const COLUMNS = columnList(DEPLOYMENT_RECORD_COLUMNS);

/** A time range, `since` inclusive and `until` exclusive, as stored timestamps. */
export interface TimeRange {
  since: string;
  until: string;
}

/** SQL of an app's deployments started in a range, oldest first (ties by id). */
export const DEPLOYMENTS_IN_RANGE_SQL = `SELECT ${COLUMNS} FROM deployments
  WHERE app_name = ? AND started_at >= ? AND started_at < ? ORDER BY started_at, id`;

/** SQL of how many deployments an app started in a range (the index alone answers it). */
export const COUNT_IN_RANGE_SQL = `SELECT count(*) AS n FROM deployments
  WHERE app_name = ? AND started_at >= ? AND started_at < ?`;

/** SQL of an app's deployments started in a range that failed or rolled back, oldest first. */
export const FAILURES_IN_RANGE_SQL = `SELECT ${COLUMNS} FROM deployments
  WHERE app_name = ? AND started_at >= ? AND started_at < ?
    AND status IN ('failed', 'rolled_back')
  ORDER BY started_at, id`;

/** SQL of the events of a deployment that carry an error text, oldest first. */
export const ERRORS_OF_DEPLOYMENT_SQL = `SELECT event_type, to_state, error, created_at
  FROM deployment_events WHERE deployment_id = ? AND error IS NOT NULL ORDER BY created_at, id`;

/** An event's error text, with what the event was. */
export interface EventError {
  event_type: EventType;
  to_state: State;
  error: string;
  created_at: string;
}

/** An app's deployments started in `range`, oldest first, one row at a time. */
export function deploymentsInRange(
  db: Database,
  appName: string,
  range: TimeRange,
): Generator<DeploymentRecord> {
  return db.iterate<DeploymentRecord>(DEPLOYMENTS_IN_RANGE_SQL, appName, range.since, range.until);
}

/** How many deployments an app started in `range`. */
export function countDeploymentsInRange(db: Database, appName: string, range: TimeRange): number {
  return db.get<{ n: number }>(COUNT_IN_RANGE_SQL, appName, range.since, range.until)?.n ?? 0;
}

/** An app's deployments started in `range` that ended failed or rolled back, oldest first. */
export function failuresInRange(
  db: Database,
  appName: string,
  range: TimeRange,
): Generator<DeploymentRecord> {
  return db.iterate<DeploymentRecord>(FAILURES_IN_RANGE_SQL, appName, range.since, range.until);
}

/** The error texts recorded on a deployment's events, oldest first. */
export function errorsOfDeployment(db: Database, deploymentId: number): EventError[] {
  return db.all<EventError>(ERRORS_OF_DEPLOYMENT_SQL, deploymentId);
}
