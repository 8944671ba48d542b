import type { Database } from "../db/database.ts";
import {
  CONFIG_COLUMNS,
  CONFIG_SUMMARY_COLUMNS,
  type ConfigRecord,
  type ConfigSummary,
} from "../records/config.ts";
import { columnList, insertSql, valuesOf } from "./sql.ts";

const SUMMARY_COLUMNS = columnList(CONFIG_SUMMARY_COLUMNS);
const RECORD_COLUMNS = columnList(CONFIG_COLUMNS);
const INSERT_COLUMNS = CONFIG_COLUMNS.filter((column) => column !== "id");
const INSERT_SQL = insertSql("app_configs", INSERT_COLUMNS);

/** SQL of an app's newest config version (exported so tests can plan the real statement). */
export const LATEST_CONFIG_SQL = `SELECT ${RECORD_COLUMNS} FROM app_configs WHERE app_name = ?
     ORDER BY created_at DESC, id DESC LIMIT 1`;

/** SQL of an app's config versions, newest first (exported so tests can plan the real statement). */
export const CONFIG_HISTORY_SQL = `SELECT ${SUMMARY_COLUMNS} FROM app_configs WHERE app_name = ?
     ORDER BY created_at DESC, id DESC LIMIT ?`;

/** Stores a new config version and returns it. */
export function insertConfig(db: Database, config: Omit<ConfigRecord, "id">): ConfigRecord {
  const { lastInsertRowid } = db.run(INSERT_SQL, ...valuesOf(config, INSERT_COLUMNS));
  return { id: lastInsertRowid, ...config };
}

/** The newest config version of an app, or undefined when it has none. */
export function latestConfig(db: Database, appName: string): ConfigRecord | undefined {
  return db.get<ConfigRecord>(LATEST_CONFIG_SQL, appName);
}

/** The version of an app stored just before `record`, or undefined for its first. */
export function configBefore(db: Database, record: ConfigRecord): ConfigRecord | undefined {
  return db.get<ConfigRecord>(
    `SELECT ${RECORD_COLUMNS} FROM app_configs
     WHERE app_name = ? AND (created_at < ? OR (created_at = ? AND id < ?))
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    record.app_name,
    record.created_at,
    record.created_at,
    record.id,
  );
}

/** One config version by id, or undefined. */
export function configById(db: Database, id: number): ConfigRecord | undefined {
  return db.get<ConfigRecord>(`SELECT ${RECORD_COLUMNS} FROM app_configs WHERE id = ?`, id);
}

/** An app's config versions, newest first. */
export function configHistory(db: Database, appName: string, limit: number): ConfigSummary[] {
  return db.all<ConfigSummary>(CONFIG_HISTORY_SQL, appName, limit);
}

/** The summary fields of a record (what `config add` reports). */
export function summarize(record: ConfigRecord): ConfigSummary {
  return Object.fromEntries(
    CONFIG_SUMMARY_COLUMNS.map((column) => [column, record[column]]),
  ) as ConfigSummary;
}
