import { backup, DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { DockswapError } from "../errors.ts";
import { isDiskFull, translateSqliteError } from "./sqlite_error.ts";

/** A value that can be bound to a `?` parameter. */
export type SqlValue = SQLInputValue;

/** A row as SQLite returns it: column name to value. */
export type Row = Record<string, SqlValue>;

/** How long a connection waits for another process's write lock before giving up. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * One connection to a dockswap-db file. The only owner of node:sqlite: it caches prepared
 * statements and runs work inside transactions (nested calls become savepoints).
 */
export class Database {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #arrayStatements = new Map<string, StatementSync>();
  #depth = 0;
  // While set, nested transactions join the open one instead of opening a savepoint.
  #joinNested = false;

  /** True when the connection was opened read-only (every write fails with database_readonly). */
  readonly readOnly: boolean;

  /**
   * `foreignKeys: false` only for a copy of a Go dockswap file, whose declared foreign keys the
   * Go tool never enforced.
   */
  constructor(path: string, options: { readOnly?: boolean; foreignKeys?: boolean } = {}) {
    this.path = path;
    this.readOnly = options.readOnly ?? false;
    try {
      this.#db = new DatabaseSync(path, {
        readOnly: this.readOnly,
        timeout: BUSY_TIMEOUT_MS,
        enableForeignKeyConstraints: options.foreignKeys ?? true,
      });
    } catch (error) {
      throw translateSqliteError(error, path);
    }
  }

  /** Runs one or more statements that bind no values (schema, pragmas). */
  exec(sql: string): void {
    this.#guard(() => this.#db.exec(sql));
  }

  /** All rows of a query. */
  all<T = Row>(sql: string, ...params: SqlValue[]): T[] {
    return this.#guard(() => this.#statement(sql).all(...params) as T[]);
  }

  /** The first row of a query, or undefined. */
  get<T = Row>(sql: string, ...params: SqlValue[]): T | undefined {
    return this.#guard(() => this.#statement(sql).get(...params) as T | undefined);
  }

  /** Runs a statement; returns the rowid it inserted and how many rows it changed. */
  run(sql: string, ...params: SqlValue[]): { lastInsertRowid: number; changes: number } {
    return this.#guard(() => {
      const result = this.#statement(sql).run(...params);
      return { lastInsertRowid: Number(result.lastInsertRowid), changes: Number(result.changes) };
    });
  }

  /**
   * All rows of a query as arrays of values in column order: no object (and no key strings) per
   * row, which makes a page of an export about twice as fast to read.
   */
  allArrays(sql: string, ...params: SqlValue[]): SqlValue[][] {
    return this.#guard(() => {
      let statement = this.#arrayStatements.get(sql);
      if (!statement) {
        statement = this.#db.prepare(sql);
        // In Deno's node:sqlite since 2.3, missing from its type declarations.
        (statement as StatementSync & { setReturnArrays(on: boolean): void })
          .setReturnArrays(true);
        this.#arrayStatements.set(sql, statement);
      }
      return statement.all(...params) as unknown as SqlValue[][];
    });
  }

  /** Rows of a query one at a time, for results too large to hold (a Go database adopted). */
  *iterate<T = Row>(sql: string, ...params: SqlValue[]): Generator<T> {
    const iterator = this.#guard(() => this.#statement(sql).iterate(...params));
    while (true) {
      const next = this.#guard(() => iterator.next());
      if (next.done) return;
      yield next.value as T;
    }
  }

  /** True while a transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  /**
   * Runs `work` in a write transaction begun with BEGIN IMMEDIATE, so the write lock is taken
   * up front (waiting up to the busy timeout) and never upgraded mid-way. Nested calls run in
   * a savepoint: a failure undoes only that call's writes.
   */
  write<T>(work: () => T): T {
    return this.#transaction("BEGIN IMMEDIATE", work);
  }

  /**
   * Runs `work`, inside an open transaction, with the nested transactions it begins joining that
   * one rather than each opening a savepoint: cheaper, but a failure inside leaves its writes in
   * the transaction, and the caller must then roll back the whole transaction.
   */
  withoutSavepoints<T>(work: () => T): T {
    if (this.#depth === 0) throw new Error("withoutSavepoints needs an open transaction");
    const joining = this.#joinNested;
    this.#joinNested = true;
    try {
      return work();
    } finally {
      this.#joinNested = joining;
    }
  }

  /** Runs `work` in a read transaction: one consistent snapshot, no lock held against writers. */
  read<T>(work: () => T): T {
    return this.#transaction("BEGIN DEFERRED", work);
  }

  /**
   * Runs async `work` in one read snapshot (an export that awaits its output stream between
   * rows). Not nestable: it is the outermost transaction of its connection.
   */
  async readSnapshot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#depth > 0) throw new Error("readSnapshot cannot run inside another transaction");
    this.exec("BEGIN DEFERRED");
    this.#depth = 1;
    try {
      const result = await work();
      this.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    } finally {
      this.#depth = 0;
    }
  }

  /**
   * Copies the whole database into `path` with SQLite's online backup API, all pages in one
   * step, so the copy is one consistent snapshot even while other processes write. (VACUUM INTO
   * would need ATTACH, which Deno disables unless the program runs with every permission.)
   * `shownAs` names the copy in errors (the file it will become, not its temporary name).
   */
  async backupTo(path: string, shownAs = path): Promise<void> {
    try {
      await backup(this.#db, path, { rate: -1 });
    } catch (error) {
      // Only the copy is written: a full disk is the copy's, not the database's.
      if (isDiskFull(error)) {
        throw new DockswapError(
          "io_error",
          `Cannot back up to "${shownAs}": the disk is full (no space left on device)`,
        );
      }
      throw translateSqliteError(error, this.path);
    }
  }

  /** Closes the connection; statements become unusable. */
  close(): void {
    this.#statements.clear();
    this.#arrayStatements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  #transaction<T>(begin: string, work: () => T): T {
    if (this.#depth > 0) return this.#joinNested ? this.#joined(work) : this.#savepoint(work);
    this.exec(begin);
    this.#depth = 1;
    try {
      const result = work();
      this.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.isTransaction) {
        try {
          this.#db.exec("ROLLBACK");
        } catch {
          // SQLite has rolled back on its own (after an I/O error); the first error says why.
        }
      }
      throw error;
    } finally {
      this.#depth = 0;
    }
  }

  #joined<T>(work: () => T): T {
    this.#depth++;
    try {
      return work();
    } finally {
      this.#depth--;
    }
  }

  // One name serves every level: SQLite releases or rolls back to the innermost savepoint of
  // that name, so the statements are prepared once.
  #savepoint<T>(work: () => T): T {
    this.#guard(() => this.#statement("SAVEPOINT nested").run());
    this.#depth++;
    try {
      const result = work();
      this.#guard(() => this.#statement("RELEASE nested").run());
      return result;
    } catch (error) {
      if (this.#db.isTransaction) {
        // Undoing can fail too (an I/O error while spilling); then the whole transaction is
        // lost, and the caller must hear that rather than the first error alone.
        this.#guard(() => {
          this.#statement("ROLLBACK TO nested").run();
          this.#statement("RELEASE nested").run();
        });
      }
      throw error;
    } finally {
      this.#depth--;
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error, this.path);
    }
  }
}

/** The version of the SQLite library linked into this runtime. */
export function sqliteVersion(): string {
  const db = new DatabaseSync(":memory:");
  try {
    return String((db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v);
  } finally {
    db.close();
  }
}
