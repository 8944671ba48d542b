/**
 * What `sync` reads from the local file: rows by id range, a page at a time, as arrays of values
 * in the column order of SYNC_COLUMNS (the central tables use the same names).
 */
import type { Database, SqlValue } from "../db/database.ts";
import { TABLE_COLUMNS } from "../records/mod.ts";

/** The tables sync sends that have ids, parents first. */
export const SYNCED_TABLES = ["app_configs", "deployments", "deployment_events"] as const;
export type SyncedTable = typeof SYNCED_TABLES[number];

/** Columns sent per table, in table order (`id` first where there is one): each record's own. */
export const SYNC_COLUMNS = {
  app_configs: TABLE_COLUMNS.app_configs,
  deployments: TABLE_COLUMNS.deployments,
  deployment_events: TABLE_COLUMNS.deployment_events,
  current_state: TABLE_COLUMNS.current_state,
} as const;

/** Per table: the highest id present, and the highest ever handed out (pruned rows included). */
export interface SyncBounds {
  maxId: Record<SyncedTable, number>;
  sequence: Record<SyncedTable, number>;
}

/** The ids a sync stops at (taken once, in one snapshot), and how far each sequence has gone. */
export function syncBounds(db: Database): SyncBounds {
  return db.read(() => {
    const bounds: SyncBounds = {
      maxId: { app_configs: 0, deployments: 0, deployment_events: 0 },
      sequence: { app_configs: 0, deployments: 0, deployment_events: 0 },
    };
    for (const table of SYNCED_TABLES) {
      bounds.maxId[table] = db.get<{ n: number | null }>(`SELECT max(id) AS n FROM ${table}`)?.n ??
        0;
      // AUTOINCREMENT: an id is never handed out twice, even after prune.
      bounds.sequence[table] = db.get<{ seq: number }>(
        "SELECT seq FROM sqlite_sequence WHERE name = ?",
        table,
      )?.seq ?? 0;
    }
    return bounds;
  });
}

/** Up to `limit` rows with `after < id <= upTo`, ascending by id. */
export function rowsAfter(
  db: Database,
  table: SyncedTable,
  after: number,
  upTo: number,
  limit: number,
): SqlValue[][] {
  return db.allArrays(
    `SELECT ${SYNC_COLUMNS[table].join(", ")} FROM ${table} WHERE id > ? AND id <= ?
     ORDER BY id LIMIT ?`,
    after,
    upTo,
    limit,
  );
}

/** How many rows `rowsAfter` would page through in all (for a progress bar). */
export function countAfter(db: Database, table: SyncedTable, after: number, upTo: number): number {
  return db.get<{ n: number }>(
    `SELECT count(*) AS n FROM ${table} WHERE id > ? AND id <= ?`,
    after,
    upTo,
  )?.n ?? 0;
}

/** The rows of `table` with these ids that still exist, ascending by id. */
export function rowsByIds(db: Database, table: SyncedTable, ids: readonly number[]): SqlValue[][] {
  return db.allArrays(
    `SELECT ${SYNC_COLUMNS[table].join(", ")} FROM ${table}
     WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    JSON.stringify(ids),
  );
}

/** Which of these ids no longer exist in `table` (deleted by prune). */
export function missingIds(db: Database, table: SyncedTable, ids: readonly number[]): number[] {
  return db.all<{ id: number }>(
    `SELECT j.value AS id FROM json_each(?) AS j
     WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE id = j.value) ORDER BY j.value`,
    JSON.stringify(ids),
  ).map((row) => row.id);
}

/** Every current_state row (one per app), by app name. */
export function currentStateRows(db: Database): SqlValue[][] {
  return db.allArrays(
    `SELECT ${SYNC_COLUMNS.current_state.join(", ")} FROM current_state ORDER BY app_name`,
  );
}
