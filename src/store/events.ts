import type { Database } from "../db/database.ts";
import { EVENT_COLUMNS, type EventRecord } from "../records/event.ts";
import type { JsonValue } from "../records/fields.ts";
import { columnList, insertSql, valuesOf } from "./sql.ts";

/** An event as stored: its payload still JSON text. */
type EventRow = Omit<EventRecord, "payload"> & { payload: string | null };

const COLUMNS = columnList(EVENT_COLUMNS);
const INSERT_COLUMNS = EVENT_COLUMNS.filter((column) => column !== "id");
const INSERT_SQL = insertSql("deployment_events", INSERT_COLUMNS);

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
    INSERT_SQL,
    ...valuesOf({ ...event, payload }, INSERT_COLUMNS),
  );
  return toRecord({ id: lastInsertRowid, ...event, payload });
}

/** A deployment's events, oldest first (ties by id). */
export function eventsOfDeployment(db: Database, deploymentId: number): EventRecord[] {
  return db.all<EventRow>(EVENTS_OF_DEPLOYMENT_SQL, deploymentId).map(toRecord);
}
