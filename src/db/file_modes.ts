/**
 * Who besides its owner may use a database's files. SQLite creates the -wal and -shm with the
 * database file's own mode (whatever the umask or the mode of an empty one left there), so the
 * journals are owner-only exactly when the database is.
 */
import { resolvedPath } from "../file_paths.ts";

/** A file and its permission bits. */
export interface FileMode {
  path: string;
  mode: number;
}

/** The files of one database that users other than the owner may use. */
export interface SharedFiles {
  /** The database file (resolved through links), when it is shared. */
  database: FileMode | null;
  /** Journal files that exist and are shared. */
  journals: FileMode[];
}

/** Read or write bits for the group or others: a file with any of them is not owner-only. */
export const SHARED_BITS = 0o066;

/** Read or write bits for others (every user of the host). */
export const OTHERS_BITS = 0o006;

function modeIfShared(path: string, bits: number): FileMode | null {
  try {
    const mode = Deno.statSync(path).mode;
    return mode !== null && (mode & bits) !== 0 ? { path, mode: mode & 0o7777 } : null;
  } catch {
    return null; // Not there (the journals come and go with connections).
  }
}

/** The files of the database at `path` with any of `bits` (by default: group or others) set. */
export function sharedFiles(path: string, bits = SHARED_BITS): SharedFiles {
  const real = resolvedPath(path);
  return {
    database: modeIfShared(real, bits),
    journals: [`${real}-wal`, `${real}-shm`, `${real}-journal`]
      .map((file) => modeIfShared(file, bits))
      .filter((file) => file !== null),
  };
}

/** A mode as ls and chmod write it: 0644. */
export function octalMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/**
 * The files to make owner-only: the database when it is shared (its journals follow it when
 * next created; one in use now goes when its last connection closes), else the shared journals.
 */
export function ownerOnlyTargets(files: SharedFiles): string[] {
  const targets = files.database ? [files.database] : files.journals;
  return targets.map((f) => f.path);
}
