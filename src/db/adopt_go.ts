/**
 * Adopting a Go dockswap database in place: recognised on open, backed up beside itself, then
 * rewritten into this schema in one transaction, keeping every row's id. The SQL lives here,
 * with the migration runner, because it runs while the file is opened.
 */
import { DockswapError } from "../errors.ts";
import { GO_SCHEMA_VERSION } from "../go_legacy.ts";
import { removeDatabaseFiles } from "../database_files.ts";
import { nowIso } from "../time.ts";
import type { Database } from "./database.ts";
import { type AdoptionRepair, GO_TABLES, GoAdopter } from "./go_adopter.ts";
import { backupGoDatabase } from "./go_backup.ts";
import { applicationId, tableNames } from "./identity.ts";

export type { AdoptionRepair };

/** What adopting a Go dockswap database did. */
export interface AdoptionReport {
  path: string;
  backup: string;
  go_schema_version: number;
  adopted_at: string;
  /** Rows read from each Go table and rows written to ours. */
  rows: Record<string, { go: number; adopted: number }>;
  repairs: AdoptionRepair[];
}

/** True for a file the Go dockswap made: its four tables and schema_version, nothing else. */
export function isGoDockswap(db: Database): boolean {
  const id = applicationId(db);
  if (id !== 0) return false;
  const tables = tableNames(db);
  const expected = new Set<string>([...GO_TABLES, "schema_version"]);
  return tables.length === expected.size && tables.every((t) => expected.has(t));
}

/**
 * Adopts the Go dockswap database open in `db`: backup first, then one transaction that
 * renames the Go tables aside, creates this schema, copies every row (ids kept) with the
 * repairs it needs, logs each repair in `adoption_log` and drops the Go tables. Returns
 * undefined when another process adopted the file first.
 */
export function adoptGoDatabase(db: Database): AdoptionReport | undefined {
  const adoptedAt = nowIso();
  const backup = `${db.path}.go-dockswap-backup-${adoptedAt.replace(/[-:.]/g, "")}-${Deno.pid}.db`;
  const adopt = (): AdoptionReport | undefined => {
    // Under the write lock: another process may have adopted the file while this one waited.
    if (!isGoDockswap(db)) return undefined;
    const versions = db.all<{ version: number }>("SELECT version FROM schema_version")
      .map((r) => Number(r.version));
    if (!versions.includes(GO_SCHEMA_VERSION) || versions.some((v) => v > GO_SCHEMA_VERSION)) {
      throw new DockswapError(
        "not_a_dockswap_database",
        `"${db.path}" is a Go dockswap database of schema ${
          versions.join(", ") || "(none)"
        }; this dockswap-db adopts schema ${GO_SCHEMA_VERSION} only. Nothing was changed.`,
      );
    }
    backupGoDatabase(db, backup);
    backedUp = true;
    const adopter = new GoAdopter(db, adoptedAt);
    adopter.run();
    return {
      path: db.path,
      backup,
      go_schema_version: GO_SCHEMA_VERSION,
      adopted_at: adoptedAt,
      rows: adopter.rows,
      repairs: adopter.repairs,
    };
  };
  let backedUp = false;
  // Off for the whole transaction (the pragma is a no-op inside one), as SQLite's own recipe for
  // rebuilding tables says: the Go tables declare foreign keys that their rows break, so renaming
  // and dropping them must not check those; the rewrite ends with its own foreign_key_check.
  db.exec("PRAGMA foreign_keys = OFF");
  try {
    return db.write(adopt);
  } catch (error) {
    // The transaction rolled back, so the file is still the Go file: a backup of an adoption
    // that did not happen would only be a stray copy for the operator to wonder about.
    if (backedUp) removeDatabaseFiles(backup);
    throw error;
  } finally {
    db.exec("PRAGMA foreign_keys = ON");
  }
}
