import type { Database } from "../db/database.ts";
import { CURRENT_STATE_RECORD_COLUMNS, type CurrentStateRecord } from "../records/current_state.ts";
import { columnList, insertSql, valuesOf } from "./sql.ts";

const COLUMNS = columnList(CURRENT_STATE_RECORD_COLUMNS);

/** SQL of every app's current state, by name (exported so tests can plan the real statement). */
export const ALL_CURRENT_STATES_SQL = `SELECT ${COLUMNS} FROM current_state ORDER BY app_name`;

// Writing an app's state replaces every column a read returns; an adopted app keeps its Go word.
const UPDATED_COLUMNS = CURRENT_STATE_RECORD_COLUMNS.filter((column) => column !== "app_name");
const SAVE_SQL = `${insertSql("current_state", CURRENT_STATE_RECORD_COLUMNS)}
  ON CONFLICT (app_name) DO UPDATE SET ${
  UPDATED_COLUMNS.map((column) => `${column} = excluded.${column}`).join(", ")
}`;

/** The current state of an app, or undefined when it never deployed. */
export function currentState(db: Database, appName: string): CurrentStateRecord | undefined {
  return db.get<CurrentStateRecord>(
    `SELECT ${COLUMNS} FROM current_state WHERE app_name = ?`,
    appName,
  );
}

/** The current state of every app, sorted by name. */
export function allCurrentStates(db: Database): CurrentStateRecord[] {
  return db.all<CurrentStateRecord>(ALL_CURRENT_STATES_SQL);
}

/** Writes an app's current state (insert or replace the one row) and returns it. */
export function saveCurrentState(db: Database, state: CurrentStateRecord): CurrentStateRecord {
  db.run(SAVE_SQL, ...valuesOf(state, CURRENT_STATE_RECORD_COLUMNS));
  return { ...state };
}
