/** What is live for an app and what is happening to it: the `current_state` table. */
import { columnsOf, defineRecord, type RecordValue } from "./record.ts";
import { color, rowId, state, text, timestamp } from "./fields.ts";

/** An app's current state as stored: every column. */
export const currentStateRow = defineRecord({
  app_name: text,
  deployment_id: rowId.describe("The in-flight or last deployment"),
  active_color: color.nullable().describe("Color serving traffic; null before any traffic move"),
  image: text.nullable().describe("Image serving traffic; null before any traffic move"),
  status: state,
  updated_at: timestamp,
  legacy_status: text.nullable()
    .describe("The Go dockswap's status word of an adopted app; null for apps this tool started"),
});

/** An app's current state as reads return it: every column but the Go word (see deployment.ts). */
export const currentStateRecord = currentStateRow.omit({ legacy_status: true });

export type CurrentStateRow = RecordValue<typeof currentStateRow>;
export type CurrentStateRecord = RecordValue<typeof currentStateRecord>;

export const CURRENT_STATE_COLUMNS = columnsOf(currentStateRow);
export const CURRENT_STATE_RECORD_COLUMNS = columnsOf(currentStateRecord);
