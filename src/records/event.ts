/** One state-machine event of a deployment: the `deployment_events` table. */
import * as z from "zod";
import { columnsOf } from "./record.ts";
import { chainHash, eventType, jsonValue, rowId, state, timestamp } from "./fields.ts";

/** An event with its payload parsed (stored as JSON text): every column. */
export const eventRecord = z.object({
  id: rowId,
  deployment_id: rowId,
  app_name: z.string(),
  event_type: eventType,
  from_state: state,
  to_state: state,
  payload: jsonValue.describe("The event's JSON payload, parsed; null when none"),
  error: z.string().nullable(),
  created_at: timestamp,
  hash: chainHash.nullable().describe(
    "SHA-256 chaining this event to the previous event of its deployment (docs/monitoring.md); " +
      "null only for a row written by another program",
  ),
});

export type EventRecord = z.infer<typeof eventRecord>;

export const EVENT_COLUMNS = columnsOf(eventRecord);
