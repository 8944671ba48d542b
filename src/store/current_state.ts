import type { Database } from "../db/database.ts";
import { CURRENT_STATE_RECORD_COLUMNS, type CurrentStateRecord } from "../records/current_state.ts";
import { columnList, insertSql, valuesOf } from "./sql.ts";

const COLUMNS = columnList(CURRENT_STATE_RECORD_COLUMNS);

/** SQL of every app's current state, by name (exported so tests can plan the real statement). */
export const ALL_CURRENT_STATES_SQL = `SELECT ${COLUMNS} FROM current_state ORDER BY app_name`;

const INSERT_SQL = insertSql("current_state", CURRENT_STATE_RECORD_COLUMNS);

/** The columns of an app's state that a change may set (its name is its key). */
export type CurrentStateChange = Partial<Omit<CurrentStateRecord, "app_name">>;

// One UPDATE per set of changed columns, spelled once; an adopted app keeps its Go word.
const updateSqlByColumns = new Map<string, string>();

function updateSql(columns: readonly string[]): string {
  const key = columns.join(",");
  let sql = updateSqlByColumns.get(key);
  if (sql === undefined) {
    sql = `UPDATE current_state SET ${
      columns.map((column) => `${column} = ?`).join(", ")
    } WHERE app_name = ?`;
    updateSqlByColumns.set(key, sql);
  }
  return sql;
}

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

/** Stores the first state of an app (one that has none yet) and returns it. */
export function insertCurrentState(db: Database, state: CurrentStateRecord): CurrentStateRecord {
  db.run(INSERT_SQL, ...valuesOf(state, CURRENT_STATE_RECORD_COLUMNS));
  return { ...state };
}

/**
 * Sets only the changed columns of an app's existing state (cheaper than rewriting the row) and
 * returns the state as it now is, `current` with `change` applied.
 */
export function updateCurrentState(
  db: Database,
  current: CurrentStateRecord,
  change: CurrentStateChange,
): CurrentStateRecord {
  const columns = Object.keys(change) as (keyof CurrentStateChange)[];
  db.run(updateSql(columns), ...valuesOf(change, columns), current.app_name);
  const state = { ...current };
  for (const column of columns) (state as Record<string, unknown>)[column] = change[column];
  return state;
}
