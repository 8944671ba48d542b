/**
 * Adopting a Go dockswap database in place: under the write lock, its Go schema version checked,
 * the file backed up beside itself, then rewritten into this schema in one transaction, keeping
 * every row's id. Any failure leaves the Go file as it was and removes the backup.
 */
import { removeDatabaseFiles } from "../database_files.ts";
import type { Database } from "../db/database.ts";
import { isGoDockswap } from "../db/identity.ts";
import { DockswapError } from "../errors.ts";
import { GO_SCHEMA_VERSION } from "../go_legacy.ts";
import { nowIso } from "../time.ts";
import { backupGoDatabase } from "./backup.ts";
import { goSchemaVersions } from "./go_rows.ts";
import type { AdoptionRepair } from "./repairs.ts";
import { rewriteGoTables } from "./rewrite.ts";

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

/**
 * Adopts the Go dockswap database open in `db`: backup first, then one transaction that
 * renames the Go tables aside, creates this schema, copies every row (ids kept) with the
 * repairs it needs, logs each repair in `adoption_log` and drops the Go tables. Returns
 * undefined when another process adopted the file first.
 */
export function adoptGoDatabase(db: Database): AdoptionReport | undefined {
  const adoptedAt = nowIso();
  const backup = `${db.path}.go-dockswap-backup-${adoptedAt.replace(/[-:.]/g, "")}-${Deno.pid}.db`;
  let backedUp = false;
  const adopt = (): AdoptionReport | undefined => {
    // Under the write lock: another process may have adopted the file while this one waited.
    if (!isGoDockswap(db)) return undefined;
    refuseOtherGoSchemas(db);
    backupGoDatabase(db, backup);
    backedUp = true;
    const { rows, repairs } = rewriteGoTables(db, adoptedAt);
    const version = GO_SCHEMA_VERSION;
    return {
      path: db.path,
      backup,
      go_schema_version: version,
      adopted_at: adoptedAt,
      rows,
      repairs,
    };
  };
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

/** Refuses, untouched, a Go file of a schema other than the one this tool adopts. */
function refuseOtherGoSchemas(db: Database): void {
  const versions = goSchemaVersions(db);
  if (versions.includes(GO_SCHEMA_VERSION) && versions.every((v) => v <= GO_SCHEMA_VERSION)) return;
  throw new DockswapError(
    "not_a_dockswap_database",
    `"${db.path}" is a Go dockswap database of schema ${
      versions.join(", ") || "(none)"
    }; this dockswap-db adopts schema ${GO_SCHEMA_VERSION} only. Nothing was changed.`,
  );
}
