import type { Database } from "../db/database.ts";
import { TRAFFIC_EVENT } from "../lifecycle.ts";

/**
 * SQL of an app's live deployment: the one whose containers serve its traffic. That is the
 * newest deployment (by start, then id) that moved traffic to itself, whether or not it then
 * ended well: a deployment that recorded the traffic event and failed afterwards (stop_failed)
 * is still what users reach. A `success` counts as having moved traffic even without the event,
 * since adopted Go history may have lost it. Deployments of an app never overlap, so the newest
 * such start is the last traffic move. (Exported so tests can plan the real statement.)
 */
export const LIVE_DEPLOYMENT_SQL = `SELECT id FROM deployments d
  WHERE app_name = ?1 AND (status = 'success' OR EXISTS (
    SELECT 1 FROM deployment_events e WHERE e.deployment_id = d.id AND e.event_type = ?2))
  ORDER BY started_at DESC, id DESC LIMIT 1`;

/** The id of an app's live deployment (see LIVE_DEPLOYMENT_SQL), or null when none went live. */
export function liveDeploymentId(db: Database, appName: string): number | null {
  return db.get<{ id: number }>(LIVE_DEPLOYMENT_SQL, appName, TRAFFIC_EVENT)?.id ?? null;
}

/** The live deployment of every app (or of one), by id. */
export function liveDeploymentIds(db: Database, appName?: string): Set<number> {
  const apps = appName === undefined
    ? db.all<{ app_name: string }>("SELECT DISTINCT app_name FROM deployments")
      .map((r) => r.app_name)
    : [appName];
  const ids = new Set<number>();
  for (const app of apps) {
    const id = liveDeploymentId(db, app);
    if (id !== null) ids.add(id);
  }
  return ids;
}
