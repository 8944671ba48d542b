/**
 * Inserting whole rows, ids and legacy columns included: adoption copies the Go tool's rows under
 * their own ids. Each table's every column is written, as its record in src/records/ lists them.
 */
import type { Database, SqlValue } from "../db/database.ts";
import { insertSql } from "./sql.ts";
import { ADOPTION_LOG_COLUMNS, type AdoptionLogRow } from "../records/adoption_log.ts";
import { CONFIG_COLUMNS, type ConfigRecord } from "../records/config.ts";
import { CURRENT_STATE_COLUMNS, type CurrentStateRow } from "../records/current_state.ts";
import { DEPLOYMENT_COLUMNS, type DeploymentRow } from "../records/deployment.ts";
import { EVENT_COLUMNS, type EventRecord } from "../records/event.ts";

/** A config version, whole. */
export type FullConfig = ConfigRecord;
/** A deployment with the Go status word it was adopted from (NULL for rows this tool wrote). */
export type FullDeployment = DeploymentRow;
/** An event whose payload is its JSON text, stored as it is. */
export type FullEvent = Omit<EventRecord, "payload"> & { payload: string | null };
/** An app's current state, with the Go status word it was adopted from. */
export type FullCurrentState = CurrentStateRow;

/** One repair made while adopting; SQLite assigns its id. */
export type AdoptionLogEntry = Omit<AdoptionLogRow, "id">;

/** The adoption log's columns but its id, which SQLite assigns. */
const ADOPTION_LOG_INSERT_COLUMNS = ADOPTION_LOG_COLUMNS.filter((column) => column !== "id");

/** `INSERT INTO table (columns) VALUES (?, ...)` and a binder for it, built once per table. */
function inserter<R>(table: string, columns: readonly string[]) {
  const sql = insertSql(table, columns);
  return (db: Database, row: R): void => {
    db.run(sql, ...columns.map((c) => (row as Record<string, SqlValue>)[c]));
  };
}

export const insertFullConfig: (db: Database, row: ConfigRecord) => void = inserter(
  "app_configs",
  CONFIG_COLUMNS,
);
export const insertFullDeployment: (db: Database, row: FullDeployment) => void = inserter(
  "deployments",
  DEPLOYMENT_COLUMNS,
);
export const insertFullEvent: (db: Database, row: FullEvent) => void = inserter(
  "deployment_events",
  EVENT_COLUMNS,
);
export const insertFullCurrentState: (db: Database, row: FullCurrentState) => void = inserter(
  "current_state",
  CURRENT_STATE_COLUMNS,
);
export const insertAdoptionLogRow: (db: Database, row: AdoptionLogEntry) => void = inserter(
  "adoption_log",
  ADOPTION_LOG_INSERT_COLUMNS,
);
