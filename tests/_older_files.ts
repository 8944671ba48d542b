/**
 * Files as older builds and other programs left them: a dockswap-db file at an earlier schema, and
 * a payload that an older SQLite let in but this one's JSON functions do not read.
 */
import { DatabaseSync } from "node:sqlite";
import { MIGRATIONS } from "../migrations/mod.ts";
import { Database } from "../src/db/database.ts";
import { markAsDockswapFile } from "../src/db/identity.ts";
import { migrate } from "../src/db/migrate.ts";

/** Creates `path` as a build whose newest migration was `version` made it. */
export function databaseAtSchema(path: string, version: number): void {
  const db = new Database(path);
  try {
    migrate(db, MIGRATIONS.filter((m) => m.version <= version), () => markAsDockswapFile(db));
  } finally {
    db.close();
  }
}

/**
 * Adds deployment 1 of app `web` (in progress) and one event of it whose payload is nested past
 * the 1,000 levels this SQLite's JSON reads (SQLite before 3.45 read 2,000). The table's
 * json_valid CHECK would refuse it now, so it goes in with CHECKs off, as an older SQLite let it
 * in. Returns the event's id.
 */
export function storeOverDeepPayload(path: string, options: { withDeployment: boolean }): number {
  const db = new DatabaseSync(path);
  try {
    if (options.withDeployment) {
      db.exec(`INSERT INTO deployments (id, app_name, image, started_at, status, active_color)
        VALUES (1, 'web', 'web:1', '2026-01-01T00:00:00.000Z', 'in_progress', 'green')`);
    }
    db.exec("PRAGMA ignore_check_constraints = ON");
    const { lastInsertRowid } = db.prepare(
      `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
         payload, created_at) VALUES (1, 'web', 'container_started', 'starting', 'health_check',
         ?, '2026-01-01T00:00:09.000Z')`,
    ).run('{"x":'.repeat(1200) + "1" + "}".repeat(1200));
    return Number(lastInsertRowid);
  } finally {
    db.close();
  }
}
