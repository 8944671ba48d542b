/**
 * In-process tests of store/ and operations/: a real, fully migrated SQLite file in a temp dir
 * (opened through src/db/open.ts, as the edges open it) and a clock the test sets, so that every
 * stored timestamp is known exactly.
 */
import type { Database } from "../src/db/database.ts";
import { openDatabase } from "../src/db/open.ts";
import type { OperationContext } from "../src/operations/operation.ts";
import { tempDir } from "./_cli.ts";

/** The first time a test clock shows. */
export const T0 = "2030-01-02T03:04:05.000Z";

/** An open database, its path, and the fixed clock the operations read (`clock.time`). */
export interface UnitDb extends AsyncDisposable {
  path: string;
  db: Database;
  clock: { time: string };
  context: OperationContext;
}

/** Opens a new database file in a temp dir; disposing closes it and removes the dir. */
export async function unitDb(): Promise<UnitDb> {
  const dir = await tempDir();
  const path = `${dir.path}/dockswap.db`;
  const db = openDatabase(path);
  const clock = { time: T0 };
  return {
    path,
    db,
    clock,
    context: { db, now: () => clock.time },
    async [Symbol.asyncDispose]() {
      db.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** `T0` plus some seconds, as the ISO text the store keeps. */
export function at(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString();
}

/** A row as a plain object (node:sqlite's rows have a null prototype), for deep equality. */
export function plain<T>(row: T): T {
  return row === undefined || row === null ? row : { ...row };
}

/** A result as plain JSON data (what either edge would send), for deep equality. */
export function data(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
