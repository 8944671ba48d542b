/**
 * The copy of a Go dockswap database made before adopting it: its schema and every row, as the
 * Go tool left them (dangling references included), in a new owner-only file beside it.
 */
import { syncFolder } from "../atomic_file.ts";
import { removeDatabaseFiles } from "../database_files.ts";
import { folderOf } from "../file_paths.ts";
import { createLockedFile, removeStaleTemps, tempPathBeside } from "../temp_files.ts";
import { DockswapError } from "../errors.ts";
import { Database, type SqlValue } from "./database.ts";

/**
 * Copies every table, index and row of the Go database into a new owner-only SQLite file,
 * read through `db` under its write lock, then checks the copy. Not a byte copy on purpose:
 * opening and closing the live file outside SQLite would drop this process's POSIX locks
 * on it mid-transaction, letting another process write at the same time.
 */
export function backupGoDatabase(db: Database, backup: string): void {
  // Written under a hidden temporary name and renamed when complete: a run killed while copying
  // leaves no half backup under the backup's name (and the next adoption removes the temporary).
  const stem = `${db.path}.go-dockswap-backup`;
  removeStaleTemps(stem);
  const temp = tempPathBeside(stem);
  let guard: Deno.FsFile;
  try {
    guard = createLockedFile(temp);
  } catch (error) {
    throw new DockswapError(
      "io_error",
      `Cannot back up the Go dockswap database to "${backup}" before adopting it: ${
        (error as Error).message
      }. Nothing was changed.`,
    );
  }
  try {
    copyInto(db, temp, backup);
    // Closed only after SQLite's connection to it: closing a file drops its POSIX locks.
    guard.syncSync();
    Deno.renameSync(temp, backup);
    syncFolder(folderOf(backup));
  } catch (error) {
    removeDatabaseFiles(temp);
    if (error instanceof DockswapError) throw error;
    throw new DockswapError(
      "io_error",
      `Cannot back up the Go dockswap database to "${backup}" before adopting it: ${
        (error as Error).message
      }. Nothing was changed.`,
    );
  } finally {
    guard.close();
  }
}

/** Copies the schema and every row of `db` into the empty file `path` and checks the copy. */
function copyInto(db: Database, path: string, backup: string): void {
  // The Go connection never enforced its declared foreign keys: its files hold dangling
  // references as a matter of course, and the copy must keep them, not refuse them.
  const copy = new Database(path, { foreignKeys: false });
  try {
    copy.write(() => {
      const schema = db.all<{ type: string; name: string; sql: string }>(
        `SELECT type, name, sql FROM sqlite_schema
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC, rowid`,
      );
      for (const item of schema) copy.exec(item.sql);
      const tables = schema.filter((i) => i.type === "table").map((i) => i.name);
      if (db.get("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")) {
        tables.push("sqlite_sequence");
      }
      for (const table of tables) {
        const quoted = `"${table.replaceAll('"', '""')}"`;
        const info = db.all<{ name: string; type: string; pk: number }>(
          `PRAGMA table_info(${quoted})`,
        );
        const columns = info.map((c) => `"${c.name.replaceAll('"', '""')}"`);
        // Keep rowids too, unless a column already is the rowid (INTEGER PRIMARY KEY).
        const keys = info.filter((c) => c.pk > 0);
        const rowidIsColumn = keys.length === 1 && keys[0].type.toUpperCase() === "INTEGER";
        const all = table === "sqlite_sequence" || rowidIsColumn
          ? columns
          : ["_rowid_", ...columns];
        const insert = `INSERT INTO ${quoted} (${all.join(", ")}) VALUES (${
          all.map(() => "?").join(", ")
        })`;
        // Creating and filling the tables above wrote sqlite_sequence already: copy it exactly.
        if (table === "sqlite_sequence") copy.exec("DELETE FROM sqlite_sequence");
        // Aliased, so that each value comes back under its own name.
        const select = all.map((c, i) => `${c} AS c${i}`).join(", ");
        for (const row of db.iterate<Record<string, SqlValue>>(`SELECT ${select} FROM ${quoted}`)) {
          copy.run(insert, ...all.map((_, i) => row[`c${i}`]));
        }
      }
    });
    const check = copy.all<{ quick_check: string }>("PRAGMA quick_check");
    if (check.length !== 1 || check[0].quick_check !== "ok") {
      throw new DockswapError(
        "database_corrupt",
        `The backup "${backup}" of the Go dockswap database fails quick_check; nothing was changed.`,
      );
    }
  } finally {
    copy.close();
  }
}
