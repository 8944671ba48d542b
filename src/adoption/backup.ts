/**
 * The copy of a Go dockswap database made before adopting it: its schema and every row, as the
 * Go tool left them (dangling references included), in a new owner-only file beside it.
 */
import { Database, type SqlValue } from "../db/database.ts";
import { publishVerifiedCopy } from "../db/verified_copy.ts";
import { DockswapError } from "../errors.ts";

/**
 * Copies every table, index and row of the Go database into a new owner-only SQLite file,
 * read through `db` under its write lock, then checks the copy. Not a byte copy on purpose:
 * opening and closing the live file outside SQLite would drop this process's POSIX locks
 * on it mid-transaction, letting another process write at the same time.
 */
export function backupGoDatabase(db: Database, backup: string): void {
  const cannot = (reason: string) =>
    new DockswapError(
      "io_error",
      `Cannot back up the Go dockswap database to "${backup}" before adopting it: ${reason}. ` +
        "Nothing was changed.",
    );
  // A run killed while copying leaves only its temporary file, which the next adoption removes.
  publishVerifiedCopy({
    target: backup,
    tempStem: `${db.path}.go-dockswap-backup`,
    purpose: "tmp",
    replace: true,
    failure: (error) => cannot((error as Error).message),
    corrupt: () =>
      new DockswapError(
        "database_corrupt",
        `The backup "${backup}" of the Go dockswap database fails quick_check; nothing was changed.`,
      ),
  }, (temp) => copyInto(db, temp));
}

/** Copies the schema and every row of `db` into the empty file `path`. */
function copyInto(db: Database, path: string): void {
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
      for (const table of tables) copyTable(table, { from: db, to: copy });
      if (db.get("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")) {
        // Filling the tables above wrote sqlite_sequence already: it is copied exactly.
        copy.exec("DELETE FROM sqlite_sequence");
        copyTable("sqlite_sequence", { from: db, to: copy });
      }
    });
  } finally {
    copy.close();
  }
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Copies one table's rows, rowids included unless a column already is the rowid. */
function copyTable(table: string, between: { from: Database; to: Database }): void {
  const { from: db, to: copy } = between;
  const info = db.all<{ name: string; type: string; pk: number }>(
    `PRAGMA table_info(${quoted(table)})`,
  );
  const columns = info.map((c) => quoted(c.name));
  const keys = info.filter((c) => c.pk > 0);
  const rowidIsColumn = keys.length === 1 && keys[0].type.toUpperCase() === "INTEGER";
  const all = table === "sqlite_sequence" || rowidIsColumn ? columns : ["_rowid_", ...columns];
  const insert = `INSERT INTO ${quoted(table)} (${all.join(", ")}) VALUES (${
    all.map(() => "?").join(", ")
  })`;
  // Aliased, so that each value comes back under its own name.
  const select = all.map((c, i) => `${c} AS c${i}`).join(", ");
  for (
    const row of db.iterate<Record<string, SqlValue>>(`SELECT ${select} FROM ${quoted(table)}`)
  ) {
    copy.run(insert, ...all.map((_, i) => row[`c${i}`]));
  }
}
