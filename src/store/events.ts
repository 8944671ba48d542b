import type { Database } from "../db/database.ts";
import { EVENT_COLUMNS, type EventRecord } from "../records/event.ts";
import { eventHash } from "../records/event_hash.ts";
import type { JsonValue } from "../records/fields.ts";
import { columnList, insertSql, valuesOf } from "./sql.ts";

/** An event as stored: its payload still JSON text. */
type EventRow = Omit<EventRecord, "payload"> & { payload: string | null };

const COLUMNS = columnList(EVENT_COLUMNS);
const INSERT_SQL = insertSql("deployment_events", EVENT_COLUMNS);

/**
 * What the hash of a new event needs, in one statement: its deployment's chain head (by primary
 * key) and the id SQLite's AUTOINCREMENT would give it (the largest ever used, plus one), since
 * the hash covers the id.
 */
export const CHAIN_LINK_SQL = `SELECT chain_head,
    max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'deployment_events'), 0),
        coalesce((SELECT max(id) FROM deployment_events), 0)) + 1 AS next_id
  FROM deployments WHERE id = ?`;
const SET_HEAD_SQL = "UPDATE deployments SET chain_head = ? WHERE id = ?";

/** SQL of a deployment's events, oldest first (exported so tests can plan the real statement). */
export const EVENTS_OF_DEPLOYMENT_SQL =
  `SELECT ${COLUMNS} FROM deployment_events WHERE deployment_id = ?
  ORDER BY created_at, id`;

function toRecord(row: EventRow): EventRecord {
  return { ...row, payload: row.payload === null ? null : JSON.parse(row.payload) };
}

/**
 * Stores an event (payload serialised compactly; undefined and null store NULL), chained to the
 * previous event of its deployment, and returns it. Runs inside the caller's write transaction.
 */
export function insertEvent(
  db: Database,
  event: Omit<EventRecord, "id" | "payload" | "hash"> & { payload: JsonValue | undefined },
): EventRecord {
  const payload = event.payload === undefined || event.payload === null
    ? null
    : JSON.stringify(event.payload);
  // The deployment was written in this transaction or read by the caller: it exists.
  const link = db.get<{ chain_head: string | null; next_id: number }>(
    CHAIN_LINK_SQL,
    event.deployment_id,
  )!;
  const row = { ...event, id: link.next_id, payload, hash: "" };
  row.hash = eventHash(row, link.chain_head);
  db.run(INSERT_SQL, ...valuesOf(row, EVENT_COLUMNS));
  db.run(SET_HEAD_SQL, row.hash, event.deployment_id);
  return toRecord(row);
}

/** A deployment's events, oldest first (ties by id). */
export function eventsOfDeployment(db: Database, deploymentId: number): EventRecord[] {
  return db.all<EventRow>(EVENTS_OF_DEPLOYMENT_SQL, deploymentId).map(toRecord);
}
