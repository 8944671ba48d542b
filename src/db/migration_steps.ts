/**
 * What a migration does that SQL alone cannot (SQLite has no SHA-256), by migration file name:
 * run by the runner right after the file's SQL, in its transaction, before its history row.
 */
import type { Database } from "./database.ts";
import { chainAllEvents } from "./event_chain_backfill.ts";

export const MIGRATION_STEPS: Readonly<Record<string, (db: Database) => void>> = {
  "0007_event_chain.sql": (db) => {
    chainAllEvents(db);
  },
};
