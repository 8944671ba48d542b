import type { Database } from "../db/database.ts";
import type { EventType, State } from "../lifecycle.ts";

/** One state-machine event of a deployment, as stored (payload still JSON text). */
interface EventRow {
  id: number;
  deployment_id: number;
  app_name: string;
  event_type: EventType;
  from_state: State;
  to_state: State;
  payload: string | null;
  error: string | null;
  created_at: string;
}

/** A value JSON can carry. */
export type JsonValue = string | number | boolean | null | JsonValue[] | {
  [key: string]: JsonValue;
};

/** One state-machine event of a deployment, with its payload parsed. */
export interface EventRecord extends Omit<EventRow, "payload"> {
  payload: JsonValue;
}

const COLUMNS =
  "id, deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at";

/** SQL of a deployment's events, oldest first (exported so tests can plan the real statement). */
export const EVENTS_OF_DEPLOYMENT_SQL =
  `SELECT ${COLUMNS} FROM deployment_events WHERE deployment_id = ?
  ORDER BY created_at, id`;

function toRecord(row: EventRow): EventRecord {
  return { ...row, payload: row.payload === null ? null : JSON.parse(row.payload) };
}

/** Stores an event (payload serialised compactly; undefined and null store NULL) and returns it. */
export function insertEvent(
  db: Database,
  event: Omit<EventRecord, "id" | "payload"> & { payload: JsonValue | undefined },
): EventRecord {
  const payload = event.payload === undefined || event.payload === null
    ? null
    : JSON.stringify(event.payload);
  const { lastInsertRowid } = db.run(
    `INSERT INTO deployment_events
       (deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    event.deployment_id,
    event.app_name,
    event.event_type,
    event.from_state,
    event.to_state,
    payload,
    event.error,
    event.created_at,
  );
  return toRecord({ id: lastInsertRowid, ...event, payload });
}

/** A deployment's events, oldest first (ties by id). */
export function eventsOfDeployment(db: Database, deploymentId: number): EventRecord[] {
  return db.all<EventRow>(EVENTS_OF_DEPLOYMENT_SQL, deploymentId).map(toRecord);
}
