import type { Migration } from "../../migrations/mod.ts";
import { DockswapError } from "../errors.ts";
import { nowIso } from "../time.ts";
import { call, say } from "../words.ts";
import type { Database } from "./database.ts";
import { MIGRATION_STEPS } from "./migration_steps.ts";
import {
  type AppliedMigration,
  compareHistory,
  readHistory,
  recordedChecksum,
} from "./identity.ts";

/** A migration's place in one database: applied (with its record) or pending. */
export interface MigrationStatus {
  version: number;
  name: string;
  checksum: string;
  state: "applied" | "pending";
  applied_at: string | null;
  duration_ms: number | null;
}

const HISTORY_TABLE_SQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version     INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  checksum    TEXT NOT NULL,
  applied_at  TEXT NOT NULL,
  duration_ms REAL NOT NULL
) STRICT`;

/**
 * Refuses a database this binary must not touch: one whose history holds a version it does not
 * know (made by a newer dockswap-db) or whose applied migration differs from the embedded file.
 */
export function verifyHistory(
  db: Database,
  history: readonly AppliedMigration[],
  migrations: readonly Migration[],
): void {
  const newest = migrations.at(-1)?.version ?? 0;
  const { unknown, changed } = compareHistory(history, migrations);
  if (unknown.length > 0) {
    const databaseVersion = Math.max(...history.map((h) => h.version));
    throw new DockswapError(
      "schema_too_new",
      `Database "${db.path}" was created by a newer dockswap-db: its schema version is ` +
        `${databaseVersion}, this binary knows versions up to ${newest}. ` +
        `Upgrade dockswap-db to use this file; nothing was changed.`,
      { database_version: databaseVersion, binary_version: newest },
    );
  }
  if (changed.length > 0) {
    const { applied, migration, expected } = changed[0];
    throw new DockswapError(
      "migration_checksum_mismatch",
      `Migration ${migration.name} applied to "${db.path}" has checksum ${applied.checksum}, ` +
        `but this binary's copy has ${expected}. The file was changed after release; ` +
        `restore it or use the dockswap-db build that created the database. Nothing was changed.`,
      {
        migration: migration.name,
        database_checksum: applied.checksum,
        binary_checksum: expected,
      },
    );
  }
}

/**
 * Applies every pending migration. The history is first read in a plain read transaction, so
 * an up-to-date database (every open) never waits for another process's write lock. Each
 * pending migration then runs with its history row in one BEGIN IMMEDIATE transaction,
 * re-reading the history under the lock, so concurrent openers apply each migration exactly
 * once and a crash leaves no half-applied ("dirty") state.
 * Foreign keys are off while migrations run, so that a migration can rebuild a table others
 * point at (SQLite's documented procedure for changes ALTER TABLE cannot make); before each
 * commits, it must have left no reference dangling that was not dangling before.
 * A migration's step in TypeScript (MIGRATION_STEPS) runs right after its SQL, in the same
 * transaction. `beforeFirstWrite` runs inside each transaction before anything is written.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[],
  beforeFirstWrite: () => void = () => {},
): AppliedMigration[] {
  const pending = db.read(() => {
    const history = readHistory(db);
    verifyHistory(db, history, migrations);
    return compareHistory(history, migrations).pending;
  });
  const appliedNow: AppliedMigration[] = [];
  if (pending.length === 0) return appliedNow;
  // PRAGMA foreign_keys is a no-op inside a transaction: it is switched around them.
  const foreignKeys = db.get<{ foreign_keys: number }>("PRAGMA foreign_keys")?.foreign_keys === 1;
  if (foreignKeys) db.exec("PRAGMA foreign_keys = OFF");
  try {
    for (const migration of pending) {
      const record = db.write(() =>
        applyOne(db, migrations, migration, foreignKeys, beforeFirstWrite)
      );
      if (record) appliedNow.push(record);
    }
  } finally {
    if (foreignKeys) db.exec("PRAGMA foreign_keys = ON");
  }
  return appliedNow;
}

/** One migration and its history row, inside the caller's transaction; undefined if applied. */
function applyOne(
  db: Database,
  migrations: readonly Migration[],
  migration: Migration,
  checkForeignKeys: boolean,
  beforeFirstWrite: () => void,
): AppliedMigration | undefined {
  const history = readHistory(db);
  verifyHistory(db, history, migrations);
  if (history.some((h) => h.version === migration.version)) return undefined;
  beforeFirstWrite();
  const started = performance.now();
  db.exec(HISTORY_TABLE_SQL);
  const danglingBefore = checkForeignKeys ? danglingReferences(db) : new Map();
  try {
    db.exec(migration.sql);
    MIGRATION_STEPS[migration.name]?.(db);
  } catch (error) {
    throw refusedByStoredRow(error, db, migration) ?? error;
  }
  if (checkForeignKeys) refuseNewDangling(db, migration, danglingBefore);
  const row: AppliedMigration = {
    version: migration.version,
    name: migration.name,
    checksum: recordedChecksum(migration),
    applied_at: nowIso(),
    duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
  };
  db.run(
    "INSERT INTO schema_migrations (version, name, checksum, applied_at, duration_ms) VALUES (?, ?, ?, ?, ?)",
    row.version,
    row.name,
    row.checksum,
    row.applied_at,
    row.duration_ms,
  );
  return row;
}

/** Rows whose foreign key names a missing row, counted per (table, parent table). */
function danglingReferences(db: Database): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of db.all<{ table: string; parent: string }>("PRAGMA foreign_key_check")) {
    const key = `${row.table} -> ${row.parent}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function refuseNewDangling(db: Database, migration: Migration, before: Map<string, number>): void {
  for (const [key, count] of danglingReferences(db)) {
    if (count <= (before.get(key) ?? 0)) continue;
    throw new DockswapError(
      "database_error",
      `Migration ${migration.name} would leave rows of "${db.path}" pointing at missing rows ` +
        `(${key}); it was not applied and nothing was changed. This is a bug, please report it.`,
      { migration: migration.name, references: key },
    );
  }
}

/**
 * A migration stopped by a row another program stored against the schema's rules (a CHECK this
 * SQLite enforces, text its JSON functions do not read): the file's data, not a bug here.
 */
function refusedByStoredRow(
  error: unknown,
  db: Database,
  migration: Migration,
): DockswapError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  // A damaged file is left to its own database_corrupt error, which already names doctor.
  if (!/CHECK constraint failed|NOT NULL constraint failed|cannot read as JSON/.test(message)) {
    return undefined;
  }
  const what = `Migration ${migration.name} cannot be applied to "${db.path}": a stored row ` +
    `breaks a rule of the schema (${message}), as another program wrote it; it was not applied ` +
    "and nothing was changed.";
  return new DockswapError(
    "database_corrupt",
    say`${what} ${call("db.doctor", {}, db.path)} names what it finds`,
  );
}

/** Every embedded migration with its state in this database, then any unknown applied ones. */
export function migrationStatus(
  db: Database,
  migrations: readonly Migration[],
): MigrationStatus[] {
  const history = new Map(readHistory(db).map((h) => [h.version, h]));
  return migrations.map((m) => {
    const applied = history.get(m.version);
    return {
      version: m.version,
      name: m.name,
      checksum: applied?.checksum ?? recordedChecksum(m),
      state: applied ? "applied" : "pending",
      applied_at: applied?.applied_at ?? null,
      duration_ms: applied?.duration_ms ?? null,
    };
  });
}
