/** An app's config version: the `app_configs` table. */
import { columnsOf, defineRecord, type RecordValue } from "./record.ts";
import { rowId, text, timestamp } from "./fields.ts";

/** A config version with its raw YAML: every column. */
export const configRecord = defineRecord({
  id: rowId,
  app_name: text,
  config_yaml: text,
  config_sha: text.describe("SHA-256 of the raw YAML bytes, hex"),
  created_at: timestamp,
});

/** A config version without its text, as histories list it. */
export const configSummary = configRecord.omit({ config_yaml: true });

export type ConfigRecord = RecordValue<typeof configRecord>;
export type ConfigSummary = RecordValue<typeof configSummary>;

export const CONFIG_COLUMNS = columnsOf(configRecord);
export const CONFIG_SUMMARY_COLUMNS = columnsOf(configSummary);
