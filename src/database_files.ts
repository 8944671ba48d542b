/** The files a SQLite database is made of (the file and its journals), removed or protected together. */
import { DockswapError } from "./errors.ts";
import { resolvedPath, sameFile } from "./file_paths.ts";

/** Removes a SQLite file and whatever journal files it has beside it; missing ones are fine. */
export function removeDatabaseFiles(path: string): void {
  for (const file of [path, `${path}-journal`, `${path}-wal`, `${path}-shm`]) {
    try {
      Deno.removeSync(file);
    } catch {
      // Not there.
    }
  }
}

/**
 * Refuses to write `target` when it is the database or one of its journal files: renaming a
 * file over a database that other processes have open would silently lose their writes.
 * SQLite keeps the journals beside the file a symbolic link resolves to, so they are named
 * from the resolved path, whether they exist yet or not.
 */
export function refuseDatabaseTarget(target: string, database: string, what: string): void {
  const real = resolvedPath(database);
  for (const file of [database, `${real}-wal`, `${real}-shm`, `${real}-journal`]) {
    if (sameFile(target, file)) {
      throw new DockswapError(
        "invalid_argument",
        `${what} "${target}" is the database ${
          file === database ? "itself" : `file "${file}"`
        }; choose another path. Nothing was written.`,
        { path: target },
      );
    }
  }
}
