import type { Database } from "../db/database.ts";
import { EVENT_COLUMNS, type EventRecord } from "../records/event.ts";
import { columnList } from "./sql.ts";

/** An event as stored: its payload still JSON text. */
type EventRow = Omit<EventRecord, "payload"> & { payload: string | null };

/** SQL of the events after an id, in id (commit) order: a range of the primary key. */
export const EVENTS_AFTER_SQL = `SELECT ${columnList(EVENT_COLUMNS)} FROM deployment_events
  WHERE id > ? AND (? IS NULL OR app_name = ?) ORDER BY id LIMIT ?`;

/** Events with an id above `afterId` (of one app, or all), oldest first, at most `limit`. */
export function eventsAfter(
  db: Database,
  afterId: number,
  app: string | null,
  limit: number,
): EventRecord[] {
  return db.all<EventRow>(EVENTS_AFTER_SQL, afterId, app, app, limit).map((row) => ({
    ...row,
    payload: row.payload === null ? null : JSON.parse(row.payload),
  }));
}

/** The newest event id (0 when there is none), where a follower that skips the past starts. */
export function lastEventId(db: Database): number {
  return db.get<{ id: number | null }>("SELECT max(id) AS id FROM deployment_events")?.id ?? 0;
}

/**
 * SQLite's count of commits by other connections since this one opened: it changes exactly when
 * something else wrote, so an idle follower runs no query. Runs outside any transaction.
 */
export function dataVersion(db: Database): number {
  return db.get<{ data_version: number }>("PRAGMA data_version")?.data_version ?? 0;
}
