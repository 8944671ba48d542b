/** Direct, read-only looks at a database file, for asserting what the CLI wrote. */
import { DatabaseSync } from "node:sqlite";

/** Runs one query against a database file and returns its rows. */
export function query<T = Record<string, unknown>>(
  path: string,
  sql: string,
  ...params: (string | number | null)[]
): T[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    // Plain objects, so that deep equality does not trip over node:sqlite's null prototypes.
    return db.prepare(sql).all(...params).map((row) => ({ ...row })) as T[];
  } finally {
    db.close();
  }
}

/** Row counts of every table, to assert that a refused command changed nothing. */
export function tableCounts(path: string): Record<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    ).all() as { name: string }[];
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      const row = db.prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as {
        n: number;
      };
      counts[name] = row.n;
    }
    return counts;
  } finally {
    db.close();
  }
}

/** What the system's `sqlite3` shell prints for `sql` (options such as -readonly first): an
 * independent reader and writer of the files. Fails the test on any error. */
export async function sqlite3(path: string, sql: string, ...options: string[]): Promise<string> {
  const run = await new Deno.Command("sqlite3", { args: [...options, path, sql] }).output();
  if (!run.success) {
    throw new Error(`sqlite3 ${sql}: ${new TextDecoder().decode(run.stderr)}`);
  }
  return new TextDecoder().decode(run.stdout).trim();
}
