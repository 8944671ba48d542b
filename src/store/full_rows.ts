/**
 * Inserting whole rows, ids and legacy columns included: adoption copies the Go tool's rows under
 * their own ids. One column list per table; a record's every column is written.
 */
import type { Database, SqlValue } from "../db/database.ts";
import type { ConfigRecord } from "./configs.ts";
import type { CurrentStateRecord } from "./current_state.ts";
import type { DeploymentRecord } from "./deployments.ts";
import type { EventRecord } from "./events.ts";

export const CONFIG_COLUMNS = [
  "id",
  "app_name",
  "config_yaml",
  "config_sha",
  "created_at",
] as const;
export const DEPLOYMENT_COLUMNS = [
  "id",
  "app_name",
  "config_id",
  "image",
  "started_at",
  "ended_at",
  "status",
  "active_color",
  "rollback_of",
  "legacy_status",
] as const;
export const EVENT_COLUMNS = [
  "id",
  "deployment_id",
  "app_name",
  "event_type",
  "from_state",
  "to_state",
  "payload",
  "error",
  "created_at",
] as const;
export const CURRENT_STATE_COLUMNS = [
  "app_name",
  "deployment_id",
  "active_color",
  "image",
  "status",
  "updated_at",
  "legacy_status",
] as const;
export const ADOPTION_LOG_COLUMNS = [
  "adopted_at",
  "table_name",
  "row_key",
  "column_name",
  "old_value",
  "new_value",
  "reason",
] as const;

/** A config version, whole. */
export type FullConfig = ConfigRecord;
/** A deployment with the Go status word it was adopted from (NULL for rows this tool wrote). */
export type FullDeployment = DeploymentRecord & { legacy_status: string | null };
/** An event whose payload is its JSON text, stored as it is. */
export type FullEvent = Omit<EventRecord, "payload"> & { payload: string | null };
/** An app's current state, with the Go status word it was adopted from. */
export type FullCurrentState = CurrentStateRecord & { legacy_status: string | null };
/** One repair made while adopting. */
export type AdoptionLogRow = Record<(typeof ADOPTION_LOG_COLUMNS)[number], string | null>;

/** `INSERT INTO table (columns) VALUES (?, ...)` and a binder for it, built once per table. */
function inserter<C extends string>(table: string, columns: readonly C[]) {
  const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${
    columns.map(() => "?").join(", ")
  })`;
  return (db: Database, row: Record<C, SqlValue>): void => {
    db.run(sql, ...columns.map((c) => row[c]));
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
export const insertAdoptionLogRow: (db: Database, row: AdoptionLogRow) => void = inserter(
  "adoption_log",
  ADOPTION_LOG_COLUMNS,
);
