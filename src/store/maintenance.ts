import type { Database } from "../db/database.ts";
import { IN_FLIGHT_STATES } from "../lifecycle.ts";

/** `PRAGMA quick_check`: ["ok"] for a sound file, otherwise the problems found. */
export function quickCheck(db: Database): string[] {
  return db.all<{ quick_check: string }>("PRAGMA quick_check").map((r) => r.quick_check);
}

/** `PRAGMA integrity_check` (at most `limit` problems): ["ok"] for a sound file. */
export function integrityCheck(db: Database, limit = 20): string[] {
  return db.all<{ integrity_check: string }>(`PRAGMA integrity_check(${Math.trunc(limit)})`)
    .map((r) => r.integrity_check);
}

/** One row that references a missing parent. */
export interface ForeignKeyViolation {
  table: string;
  rowid: number | null;
  parent: string;
}

/** `PRAGMA foreign_key_check`: every child row whose parent is missing. */
export function foreignKeyCheck(db: Database): ForeignKeyViolation[] {
  return db.all<ForeignKeyViolation>("PRAGMA foreign_key_check");
}

/** The journal mode stored in the file (wal, delete, ...). */
export function journalMode(db: Database): string {
  return String(db.get<{ journal_mode: string }>("PRAGMA journal_mode")?.journal_mode ?? "");
}

/** A deployment in flight since before a cutoff. */
export interface StuckDeployment {
  id: number;
  app_name: string;
  started_at: string;
}

/** Deployments still in progress that started before `cutoff`, oldest first. */
export function stuckDeployments(db: Database, cutoff: string): StuckDeployment[] {
  return db.all<StuckDeployment>(
    `SELECT id, app_name, started_at FROM deployments
     WHERE status = 'in_progress' AND started_at < ? ORDER BY started_at, id`,
    cutoff,
  );
}

/** An app whose current_state row disagrees with its deployments, and how. */
export interface StateDisagreement {
  app_name: string;
  problem: string;
  /** True when the row says in flight but its deployment has ended: `recover` clears exactly that. */
  stale_in_flight: 0 | 1;
}

/** The in-flight state words as an SQL list, from the state machine (constants, not input). */
const IN_FLIGHT = `(${IN_FLIGHT_STATES.map((s) => `'${s}'`).join(", ")})`;

/**
 * current_state rows that disagree with the deployments table: a missing or foreign
 * deployment, an in-flight state without a deployment in progress (or the reverse), a row
 * that is not the app's latest deployment, and apps that deployed but have no row.
 */
export function stateDisagreements(db: Database): StateDisagreement[] {
  return db.all<StateDisagreement>(
    `SELECT s.app_name, 'points at deployment ' || s.deployment_id || ', which does not exist' AS problem,
            0 AS stale_in_flight
       FROM current_state s LEFT JOIN deployments d ON d.id = s.deployment_id WHERE d.id IS NULL
     UNION ALL
     SELECT s.app_name, 'points at deployment ' || d.id || ' of app ' || d.app_name, 0
       FROM current_state s JOIN deployments d ON d.id = s.deployment_id WHERE d.app_name <> s.app_name
     UNION ALL
     SELECT s.app_name, 'status ' || s.status || ' but deployment ' || d.id || ' is ' || d.status,
            s.status IN ${IN_FLIGHT}
       FROM current_state s JOIN deployments d ON d.id = s.deployment_id AND d.app_name = s.app_name
      WHERE (s.status IN ${IN_FLIGHT}) <> (d.status = 'in_progress')
     UNION ALL
     SELECT s.app_name, 'points at deployment ' || s.deployment_id || ', but the latest is ' || l.id, 0
       FROM current_state s
       JOIN (SELECT app_name, id FROM deployments d1 WHERE NOT EXISTS (
               SELECT 1 FROM deployments d2 WHERE d2.app_name = d1.app_name
                 AND (d2.started_at > d1.started_at OR (d2.started_at = d1.started_at AND d2.id > d1.id))
             )) l ON l.app_name = s.app_name
      WHERE l.id <> s.deployment_id
     UNION ALL
     SELECT DISTINCT d.app_name, 'has deployments but no current_state row', 0
       FROM deployments d WHERE NOT EXISTS (SELECT 1 FROM current_state s WHERE s.app_name = d.app_name)
     ORDER BY 1, 2`,
  );
}

/** A stored config version with its text and recorded hash, for re-hashing. */
export interface StoredConfig {
  id: number;
  app_name: string;
  config_yaml: string;
  config_sha: string;
  created_at: string;
}

/** Up to `limit` configs with an id above `afterId`, in id order (a page of a full scan). */
export function configsAfter(db: Database, afterId: number, limit: number): StoredConfig[] {
  return db.all<StoredConfig>(
    `SELECT id, app_name, config_yaml, config_sha, created_at FROM app_configs
     WHERE id > ? ORDER BY id LIMIT ?`,
    afterId,
    limit,
  );
}

/**
 * Whether a config row came from adopting a Go dockswap database: adoption logged a repair
 * of it, an adopted deployment (one with a Go status word) uses it, or it is older than this
 * database's own schema, which only an adopted row can be. Needs schema 2 (adoption_log).
 */
export function isAdoptedConfig(db: Database, config: StoredConfig): boolean {
  const row = db.get<{ adopted: number }>(
    `SELECT EXISTS (SELECT 1 FROM adoption_log WHERE table_name = 'app_configs' AND row_key = ?)
         OR EXISTS (SELECT 1 FROM deployments WHERE config_id = ? AND legacy_status IS NOT NULL)
         OR ? < (SELECT min(applied_at) FROM schema_migrations) AS adopted`,
    `id=${config.id}`,
    config.id,
    config.created_at,
  );
  return row?.adopted === 1;
}
