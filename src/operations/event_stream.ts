import * as z from "zod";
import { eventsAfter, lastEventId } from "../store/event_stream.ts";
import { eventRecord } from "../records/schemas.ts";
import { requireKnownApp } from "./history.ts";
import { defineOperation } from "./operation.ts";
import { appName } from "./schemas.ts";

/** The most events one call returns; a follower asks again from the last id. */
export const MAX_EVENTS_PER_CALL = 10_000;

export const eventsAfterOp = defineOperation({
  name: "events.after",
  summary: "Events with an id above after_id, in commit order, of every app or one: " +
    "poll with the last id seen to follow the history without gaps or repeats",
  access: "read",
  params: z.strictObject({
    after_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe(
      "Return events with a larger id (0: from the first)",
    ),
    app_name: appName.optional().describe("Only this app's events"),
    limit: z.number().int().positive().max(MAX_EVENTS_PER_CALL).optional().describe(
      `Most events to return (default and at most ${MAX_EVENTS_PER_CALL})`,
    ),
  }),
  result: z.object({
    events: z.array(eventRecord),
    last_id: z.number().int().min(0).describe(
      "The id to pass as after_id next: the last event returned, else after_id",
    ),
    newest_id: z.number().int().min(0).describe("The newest event id in the database (0: none)"),
  }),
  run(context, params) {
    if (params.app_name !== undefined) requireKnownApp(context.db, params.app_name);
    const events = eventsAfter(
      context.db,
      params.after_id,
      params.app_name ?? null,
      params.limit ?? MAX_EVENTS_PER_CALL,
    );
    return {
      events,
      last_id: events.at(-1)?.id ?? params.after_id,
      newest_id: lastEventId(context.db),
    };
  },
});
