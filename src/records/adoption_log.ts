/** One repair made while adopting a Go dockswap database: the `adoption_log` table. */
import * as z from "zod";
import { columnsOf } from "./record.ts";
import { rowId, timestamp } from "./fields.ts";

/** A repair with the value it replaced: every column. */
export const adoptionLogRow = z.object({
  id: rowId,
  adopted_at: timestamp,
  table_name: z.string(),
  row_key: z.string().describe("The repaired row: `id=N`, or `app=NAME` for current_state"),
  column_name: z.string().nullable().describe("Null when the repair is to the whole row"),
  old_value: z.string().nullable(),
  new_value: z.string().nullable(),
  reason: z.string(),
});

export type AdoptionLogRow = z.infer<typeof adoptionLogRow>;

export const ADOPTION_LOG_COLUMNS = columnsOf(adoptionLogRow);
