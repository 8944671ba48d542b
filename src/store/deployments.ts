import type { Database } from "../db/database.ts";
import { isSqliteError } from "../db/sqlite_error.ts";
import { DockswapError } from "../errors.ts";
import type { DeploymentOutcome, DeploymentStatus } from "../lifecycle.ts";
import { DEPLOYMENT_RECORD_COLUMNS, type DeploymentRecord } from "../records/deployment.ts";
import { columnList, insertSql, valuesOf } from "./sql.ts";

const COLUMNS = columnList(DEPLOYMENT_RECORD_COLUMNS);
// A new deployment is this tool's own: its id is the next one, and it has no Go word.
const INSERT_COLUMNS = DEPLOYMENT_RECORD_COLUMNS.filter((column) => column !== "id");
const INSERT_SQL = insertSql("deployments", INSERT_COLUMNS);

/** SQL of an app's deployments, newest first (exported so tests can plan the real statement). */
export const HISTORY_SQL = `SELECT ${COLUMNS} FROM deployments WHERE app_name = ?
  ORDER BY started_at DESC, id DESC LIMIT ?`;

/** SQL of an app's deployments with one status, newest first. */
export const HISTORY_BY_STATUS_SQL = `SELECT ${COLUMNS} FROM deployments
  WHERE app_name = ? AND status = ? ORDER BY started_at DESC, id DESC LIMIT ?`;

/** SQL of the newest successful deployment of an app other than one id (default rollback target). */
export const LAST_SUCCESS_SQL = `SELECT ${COLUMNS} FROM deployments
  WHERE app_name = ? AND status = 'success' AND id IS NOT ?
  ORDER BY started_at DESC, id DESC LIMIT 1`;

/**
 * Stores a new deployment and returns it. The partial unique index on in-progress deployments
 * refuses a second one of the same app: that is `deploy_in_progress`, naming the one in progress.
 */
export function insertDeployment(
  db: Database,
  deployment: Omit<DeploymentRecord, "id">,
): DeploymentRecord {
  try {
    const { lastInsertRowid } = db.run(INSERT_SQL, ...valuesOf(deployment, INSERT_COLUMNS));
    return { id: lastInsertRowid, ...deployment };
  } catch (error) {
    if (
      !isSqliteError(error) ||
      !/UNIQUE constraint failed: deployments\.app_name/.test(error.message)
    ) throw error;
    const running = inProgressDeployment(db, deployment.app_name);
    throw new DockswapError(
      "deploy_in_progress",
      `App ${deployment.app_name} already has deployment ${running?.id ?? "?"} in progress ` +
        `(started ${running?.started_at ?? "?"}). Nothing was written.`,
      {
        app_name: deployment.app_name,
        deployment_id: running?.id ?? null,
        started_at: running?.started_at ?? null,
      },
    );
  }
}

/** One deployment by id, or undefined. */
export function deploymentById(db: Database, id: number): DeploymentRecord | undefined {
  return db.get<DeploymentRecord>(`SELECT ${COLUMNS} FROM deployments WHERE id = ?`, id);
}

/** The app's deployment in progress, if any (served by the partial unique index). */
export function inProgressDeployment(db: Database, appName: string): DeploymentRecord | undefined {
  return db.get<DeploymentRecord>(
    `SELECT ${COLUMNS} FROM deployments WHERE app_name = ? AND status = 'in_progress'`,
    appName,
  );
}

/** Ends an in-flight deployment with an outcome. */
export function endDeployment(
  db: Database,
  id: number,
  status: DeploymentOutcome,
  endedAt: string,
): void {
  db.run(
    "UPDATE deployments SET status = ?, ended_at = ? WHERE id = ? AND status = 'in_progress'",
    status,
    endedAt,
    id,
  );
}

/** An app's deployments, newest first (ties by id), optionally of one status. */
export function deploymentHistory(
  db: Database,
  appName: string,
  options: { limit: number; status?: DeploymentStatus },
): DeploymentRecord[] {
  return options.status === undefined
    ? db.all<DeploymentRecord>(HISTORY_SQL, appName, options.limit)
    : db.all<DeploymentRecord>(HISTORY_BY_STATUS_SQL, appName, options.status, options.limit);
}

/** The newest successful deployment of an app other than `exceptId`. */
export function lastSuccessfulDeployment(
  db: Database,
  appName: string,
  exceptId: number | null,
): DeploymentRecord | undefined {
  return db.get<DeploymentRecord>(LAST_SUCCESS_SQL, appName, exceptId);
}
