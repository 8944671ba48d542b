/**
 * The events' hash chain: the canonical text of an event and the hash that links it to the
 * previous event of its deployment. docs/monitoring.md defines it for checkers outside this
 * program; tests/verify_chain.py is one.
 */
import { sha256Hex } from "../hash.ts";
import { EVENT_COLUMNS, type EventRecord } from "./event.ts";

/** The columns an event's hash covers: every column but the hash itself, in table order. */
export const HASHED_EVENT_COLUMNS = EVENT_COLUMNS.filter((column) => column !== "hash");

/** The SELECT list of the hashed columns, the payload as compact JSON text (SQLite's json()). */
export const HASHED_EVENT_SELECT = HASHED_EVENT_COLUMNS.map((column) =>
  column === "payload" ? "json(payload) AS payload" : column
).join(", ");

/** An event as the chain reads it: its payload as compact JSON text (as SQLite's json() writes it). */
export type ChainedEvent = Omit<EventRecord, "payload" | "hash"> & { payload: string | null };

/**
 * `[id,deployment_id,...,created_at,previous]`: the hashed columns as compact JSON (the payload
 * spliced in as its JSON text), then the previous event's hash (null for a deployment's first).
 */
export function eventCanonicalText(event: ChainedEvent, previous: string | null): string {
  const values = HASHED_EVENT_COLUMNS.map((column) =>
    column === "payload" ? (event.payload ?? "null") : JSON.stringify(event[column])
  );
  return `[${values.join(",")},${JSON.stringify(previous)}]`;
}

/** The lower-case hex SHA-256 of the event's canonical text (UTF-8): its link in the chain. */
export function eventHash(event: ChainedEvent, previous: string | null): string {
  return sha256Hex(eventCanonicalText(event, previous));
}
