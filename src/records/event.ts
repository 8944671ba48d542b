/** One state-machine event of a deployment: the `deployment_events` table. */
import { columnsOf, defineRecord, type RecordValue } from "./record.ts";
import { chainHash, eventType, jsonValue, rowId, state, text, timestamp } from "./fields.ts";

/** An event with its payload parsed (stored as JSON text): every column. */
export const eventRecord = defineRecord({
  id: rowId,
  deployment_id: rowId,
  app_name: text,
  event_type: eventType,
  from_state: state,
  to_state: state,
  payload: jsonValue.describe("The event's JSON payload, parsed; null when none"),
  error: text.nullable(),
  created_at: timestamp,
  hash: chainHash.nullable().describe(
    "SHA-256 chaining this event to the previous event of its deployment (docs/monitoring.md); " +
      "null only for a row written by another program",
  ),
});

export type EventRecord = RecordValue<typeof eventRecord>;

export const EVENT_COLUMNS = columnsOf(eventRecord);
