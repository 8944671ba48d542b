import type { Database } from "../db/database.ts";

/** A config version without its text, as listed in histories. */
export interface ConfigSummary {
  id: number;
  app_name: string;
  config_sha: string;
  created_at: string;
}

/** A config version with its raw YAML. */
export interface ConfigRecord extends ConfigSummary {
  config_yaml: string;
}

const SUMMARY_COLUMNS = "id, app_name, config_sha, created_at";
const RECORD_COLUMNS = "id, app_name, config_yaml, config_sha, created_at";

/** SQL of an app's newest config version (exported so tests can plan the real statement). */
export const LATEST_CONFIG_SQL = `SELECT ${RECORD_COLUMNS} FROM app_configs WHERE app_name = ?
     ORDER BY created_at DESC, id DESC LIMIT 1`;

/** SQL of an app's config versions, newest first (exported so tests can plan the real statement). */
export const CONFIG_HISTORY_SQL = `SELECT ${SUMMARY_COLUMNS} FROM app_configs WHERE app_name = ?
     ORDER BY created_at DESC, id DESC LIMIT ?`;

/** Stores a new config version and returns it. */
export function insertConfig(db: Database, config: Omit<ConfigRecord, "id">): ConfigRecord {
  const { lastInsertRowid } = db.run(
    "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
    config.app_name,
    config.config_yaml,
    config.config_sha,
    config.created_at,
  );
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
  return {
    id: record.id,
    app_name: record.app_name,
    config_sha: record.config_sha,
    created_at: record.created_at,
  };
}
