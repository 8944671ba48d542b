/** One repair made while adopting a Go dockswap database: the `adoption_log` table. */
import { columnsOf, defineRecord, type RecordValue } from "./record.ts";
import { rowId, text, timestamp } from "./fields.ts";

/** A repair with the value it replaced: every column. */
export const adoptionLogRow = defineRecord({
  id: rowId,
  adopted_at: timestamp,
  table_name: text,
  row_key: text.describe("The repaired row: `id=N`, or `app=NAME` for current_state"),
  column_name: text.nullable().describe("Null when the repair is to the whole row"),
  old_value: text.nullable(),
  new_value: text.nullable(),
  reason: text,
});

export type AdoptionLogRow = RecordValue<typeof adoptionLogRow>;

export const ADOPTION_LOG_COLUMNS = columnsOf(adoptionLogRow);
