import type { Database } from "../db/database.ts";
import type { State } from "../lifecycle.ts";
import type { Color } from "./deployments.ts";

/** What is live for an app and what is happening to it. */
export interface CurrentStateRecord {
  app_name: string;
  deployment_id: number;
  active_color: Color | null;
  image: string | null;
  status: State;
  updated_at: string;
}

const COLUMNS = "app_name, deployment_id, active_color, image, status, updated_at";

/** The current state of an app, or undefined when it never deployed. */
export function currentState(db: Database, appName: string): CurrentStateRecord | undefined {
  return db.get<CurrentStateRecord>(
    `SELECT ${COLUMNS} FROM current_state WHERE app_name = ?`,
    appName,
  );
}

/** The current state of every app, sorted by name. */
export function allCurrentStates(db: Database): CurrentStateRecord[] {
  return db.all<CurrentStateRecord>(`SELECT ${COLUMNS} FROM current_state ORDER BY app_name`);
}

/** Writes an app's current state (insert or replace the one row) and returns it. */
export function saveCurrentState(db: Database, state: CurrentStateRecord): CurrentStateRecord {
  db.run(
    `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (app_name) DO UPDATE SET deployment_id = excluded.deployment_id,
       active_color = excluded.active_color, image = excluded.image,
       status = excluded.status, updated_at = excluded.updated_at`,
    state.app_name,
    state.deployment_id,
    state.active_color,
    state.image,
    state.status,
    state.updated_at,
  );
  return { ...state };
}
