/**
 * What a database file says about itself: its application id, its tables and its migration
 * history compared with the embedded migrations. Opening, adopting, `migrate` and `doctor` all
 * ask these questions; the answers live here once.
 */
import { type Migration, MIGRATIONS } from "../../migrations/mod.ts";
import { sha256Hex } from "../hash.ts";
import type { Database } from "./database.ts";

/** The schema version this binary brings: its newest embedded migration. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** `PRAGMA application_id` of every dockswap-db file: "DSWD" in ASCII. */
export const APPLICATION_ID = 0x44535744;

/** `PRAGMA application_id` of the file (0 when never set). */
export function applicationId(db: Database): number {
  return db.get<{ application_id: number }>("PRAGMA application_id")?.application_id ?? 0;
}

/** Marks the file as dockswap-db's (inside the transaction of its first migration). */
export function markAsDockswapFile(db: Database): void {
  db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
}

/** The user tables of the file, by name (SQLite's own tables left out). */
export function tableNames(db: Database): string[] {
  return db.all<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  ).map((r) => r.name);
}

/** One row of the migration history table. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  applied_at: string;
  duration_ms: number;
}

/**
 * Checksum of a migration's text with line endings and BOM normalised, so a CRLF checkout matches.
 * Each migration carries its own, written in migrations/; tests hold them to this definition.
 */
export function migrationChecksum(sql: string): string {
  return sha256Hex(sql.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n"));
}

/** The checksum a database records for `migration`: its released text's, if it was corrected. */
export function recordedChecksum(migration: Migration): string {
  return migration.releasedChecksum ?? migration.checksum;
}

/** The history rows of a database, ascending; empty when it has no history table yet. */
export function readHistory(db: Database): AppliedMigration[] {
  const table = db.get(
    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
  );
  if (!table) return [];
  return db.all<AppliedMigration>(
    "SELECT version, name, checksum, applied_at, duration_ms FROM schema_migrations ORDER BY version",
  );
}

/** How a history compares with the embedded migrations. */
export interface HistoryComparison {
  /** Applied versions this binary does not know (a newer dockswap-db made them). */
  unknown: AppliedMigration[];
  /** Applied migrations whose checksum differs from the embedded file's. */
  changed: { applied: AppliedMigration; migration: Migration; expected: string }[];
  /** Embedded migrations not applied yet. */
  pending: Migration[];
}

/** Compares a database's history with the embedded migrations. */
export function compareHistory(
  history: readonly AppliedMigration[],
  migrations: readonly Migration[],
): HistoryComparison {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const comparison: HistoryComparison = { unknown: [], changed: [], pending: [] };
  for (const applied of history) {
    const migration = known.get(applied.version);
    if (!migration) {
      comparison.unknown.push(applied);
      continue;
    }
    const expected = recordedChecksum(migration);
    // A corrected file's own checksum too: builds between its correction and recording the
    // released one wrote it.
    const accepted = applied.checksum === expected || applied.checksum === migration.checksum;
    if (!accepted) comparison.changed.push({ applied, migration, expected });
  }
  const applied = new Set(history.map((h) => h.version));
  comparison.pending = migrations.filter((m) => !applied.has(m.version));
  return comparison;
}

/** The Go dockswap's tables (besides its schema_version), parents before children. */
export const GO_TABLES = [
  "app_configs",
  "deployments",
  "deployment_events",
  "current_state",
] as const;

/**
 * True for a file the Go dockswap made: its four tables and schema_version, nothing else, and
 * no application id. (Which Go schema it holds is adoption's question.)
 */
export function isGoDockswap(db: Database): boolean {
  if (applicationId(db) !== 0) return false;
  const tables = tableNames(db);
  const expected = new Set<string>([...GO_TABLES, "schema_version"]);
  return tables.length === expected.size && tables.every((t) => expected.has(t));
}
