/** Every table of records by its SQL name, with the record of its full row. */
import { adoptionLogRow } from "./adoption_log.ts";
import { configRecord } from "./config.ts";
import { currentStateRow } from "./current_state.ts";
import { deploymentRow } from "./deployment.ts";
import { eventRecord } from "./event.ts";
import { columnsOf, type RecordDefinition, type Shape } from "./record.ts";

export const RECORD_TABLES = {
  app_configs: configRecord,
  deployments: deploymentRow,
  deployment_events: eventRecord,
  current_state: currentStateRow,
  adoption_log: adoptionLogRow,
} as const;

export type RecordTable = keyof typeof RECORD_TABLES;

/** Every column of each table, in table order: what an insert of whole rows (adoption) names. */
export const TABLE_COLUMNS = Object.fromEntries(
  Object.entries(RECORD_TABLES).map((
    [table, record],
  ) => [table, columnsOf(record as RecordDefinition<Shape>)]),
) as Readonly<Record<RecordTable, readonly string[]>>;
