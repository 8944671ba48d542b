import type { Database, SqlValue } from "../db/database.ts";
import { CURRENT_STATE_RECORD_COLUMNS, type CurrentStateRecord } from "../records/current_state.ts";
import { DEPLOYMENT_RECORD_COLUMNS, type DeploymentRecord } from "../records/deployment.ts";

/** A deployment with its app's current state: what an event is recorded against. */
export interface DeploymentWithState {
  deployment: DeploymentRecord;
  /** Undefined when the app has no current state (only a hand-edited file). */
  current: CurrentStateRecord | undefined;
}

const SELECTED = [
  ...DEPLOYMENT_RECORD_COLUMNS.map((column) => `d.${column}`),
  ...CURRENT_STATE_RECORD_COLUMNS.map((column) => `s.${column}`),
].join(", ");

/** SQL of a deployment by id with its app's state (exported so tests can plan the real statement). */
export const DEPLOYMENT_WITH_STATE_SQL = `SELECT ${SELECTED} FROM deployments d
  LEFT JOIN current_state s ON s.app_name = d.app_name WHERE d.id = ?`;

/** SQL of an app's current deployment with the state (exported so tests can plan it). */
export const CURRENT_DEPLOYMENT_SQL = `SELECT ${SELECTED} FROM current_state s
  JOIN deployments d ON d.id = s.deployment_id WHERE s.app_name = ?`;

/** A deployment by id with its app's current state, in one read; undefined when there is none. */
export function deploymentWithState(db: Database, id: number): DeploymentWithState | undefined {
  const row = db.allArrays(DEPLOYMENT_WITH_STATE_SQL, id)[0];
  return row === undefined ? undefined : split(row);
}

/** The deployment an app's current state names, with that state, in one read. */
export function currentDeployment(
  db: Database,
  appName: string,
): { deployment: DeploymentRecord; current: CurrentStateRecord } | undefined {
  const row = db.allArrays(CURRENT_DEPLOYMENT_SQL, appName)[0];
  if (row === undefined) return undefined;
  const { deployment, current } = split(row);
  return { deployment, current: current! };
}

// Array rows: no key strings per row; the records are built in their columns' order, as the
// object reads of the same columns give them.
function split(row: SqlValue[]): DeploymentWithState {
  const deployment: Record<string, SqlValue> = {};
  let at = 0;
  for (const column of DEPLOYMENT_RECORD_COLUMNS) deployment[column] = row[at++];
  if (row[at] === null) {
    return { deployment: deployment as unknown as DeploymentRecord, current: undefined };
  }
  const current: Record<string, SqlValue> = {};
  for (const column of CURRENT_STATE_RECORD_COLUMNS) current[column] = row[at++];
  return {
    deployment: deployment as unknown as DeploymentRecord,
    current: current as unknown as CurrentStateRecord,
  };
}
