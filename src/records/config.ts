/** An app's config version: the `app_configs` table. */
import * as z from "zod";
import { columnsOf } from "./record.ts";
import { rowId, timestamp } from "./fields.ts";

/** A config version with its raw YAML: every column. */
export const configRecord = z.object({
  id: rowId,
  app_name: z.string(),
  config_yaml: z.string(),
  config_sha: z.string().describe("SHA-256 of the raw YAML bytes, hex"),
  created_at: timestamp,
});

/** A config version without its text, as histories list it. */
export const configSummary = configRecord.omit({ config_yaml: true });

export type ConfigRecord = z.infer<typeof configRecord>;
export type ConfigSummary = z.infer<typeof configSummary>;

export const CONFIG_COLUMNS = columnsOf(configRecord);
export const CONFIG_SUMMARY_COLUMNS = columnsOf(configSummary);
