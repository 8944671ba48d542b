/**
 * Creates and migrates the fleet's tables in the central schema (`sync`), or checks that they are
 * there and not newer than this binary (the read-only `fleet` commands). Concurrent syncs of
 * several hosts serialise on a transaction-scoped advisory lock; each migration commits with its
 * history row, so a sync killed mid-way leaves a migration applied or not.
 */
import { CENTRAL_MIGRATIONS } from "../../migrations/central/mod.ts";
import { DockswapError, notFound } from "../errors.ts";
import type { Central } from "./central.ts";

/** The newest central schema version this binary knows. */
export const CENTRAL_SCHEMA_VERSION = CENTRAL_MIGRATIONS.at(-1)?.version ?? 0;

/** Advisory lock keys: (dockswap-db, what is locked). */
export const LOCK_CLASS = 0x44535744;
const MIGRATION_LOCK = 0;

interface AppliedCentralMigration {
  version: number;
  name: string;
  checksum: string;
}

async function appliedMigrations(central: Central): Promise<AppliedCentralMigration[] | undefined> {
  const [table] = await central.query(
    "SELECT to_regclass($1) IS NOT NULL AS present",
    [`${central.target.schema}.schema_migrations`],
  );
  if (!table.present) return undefined;
  return (await central.query(
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  )).map((row) => ({
    version: Number(row.version),
    name: String(row.name),
    checksum: String(row.checksum),
  }));
}

/** Refuses a central schema made by a newer dockswap-db, or whose migration text differs. */
function verify(central: Central, applied: AppliedCentralMigration[]): void {
  const known = new Map(CENTRAL_MIGRATIONS.map((m) => [m.version, m]));
  const where = `schema "${central.target.schema}" at ${central.target.shown}`;
  for (const row of applied) {
    const migration = known.get(row.version);
    if (!migration) {
      throw new DockswapError(
        "schema_too_new",
        `The fleet tables in ${where} were made by a newer dockswap-db: central schema ` +
          `version ${row.version}, this binary knows versions up to ${CENTRAL_SCHEMA_VERSION}. ` +
          "Upgrade dockswap-db on this host; nothing was changed.",
        { central_version: row.version, binary_version: CENTRAL_SCHEMA_VERSION },
      );
    }
    const expected = migration.checksum;
    if (row.checksum !== expected) {
      throw new DockswapError(
        "migration_checksum_mismatch",
        `Central migration ${row.name} in ${where} has checksum ${row.checksum}, but this ` +
          `binary's ${migration.name} has ${expected}: the schema was changed by hand or by ` +
          "another build. Nothing was changed.",
      );
    }
  }
}

/** Creates the schema and applies pending central migrations (sync). */
export async function migrateCentral(central: Central): Promise<void> {
  const schema = central.target.schema;
  const applied = await appliedMigrations(central);
  if (applied) verify(central, applied);
  if (applied && applied.length === CENTRAL_MIGRATIONS.length) return;
  await central.transaction(async () => {
    await central.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_CLASS, MIGRATION_LOCK]);
    // Only when missing: a least-privilege role owns a schema made for it, and may not create one.
    const [exists] = await central.query(
      "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1",
      [schema],
    );
    // The schema name is checked (a plain lower-case identifier), so it needs no quoting.
    if (exists.n === 0) await central.script(`CREATE SCHEMA ${schema}`);
    await central.script(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    // Read again under the lock: another host may have applied them meanwhile.
    const now = (await appliedMigrations(central)) ?? [];
    verify(central, now);
    const done = new Set(now.map((m) => m.version));
    for (const migration of CENTRAL_MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await central.script(migration.sql);
      await central.query(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        [migration.version, migration.name, migration.checksum],
      );
    }
  });
}

/** Checks that the fleet tables exist and that this binary can read them (fleet commands). */
export async function requireCentralSchema(central: Central): Promise<void> {
  const applied = await appliedMigrations(central);
  if (!applied || applied.length === 0) {
    throw notFound(
      `No fleet tables in schema "${central.target.schema}" at ${central.target.shown}: no ` +
        "host has synced there yet (the first sync creates them), or the schema name differs",
    );
  }
  verify(central, applied);
}
