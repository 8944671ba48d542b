/**
 * Temporary files beside their target, held locked while in use, so that the clean-up of what a
 * killed run left never takes a file that a running process is still writing.
 */
import { baseOf, folderOf, pathExists } from "./file_paths.ts";

/** A temporary name beside `path`, so that the final rename never crosses file systems. */
export function tempPathBeside(path: string, purpose = "tmp"): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${folderOf(path)}/.${baseOf(path)}.${purpose}-${Deno.pid}-${random}`;
}

/** A temporary file younger than this is never taken for a killed run's (it may be opening). */
const STALE_AFTER_MS = 60_000;

/**
 * Removes the temporary files that killed runs left beside `path` (named by `tempPathBeside`).
 * A writer holds an exclusive lock (flock) on its temporary file until it is done with it, so a
 * file whose lock can be taken, and which is over a minute old, belongs to no running process.
 * A SQLite journal beside such a file goes with it. Anything else is left alone (and ignored).
 */
export function removeStaleTemps(path: string, purpose = "tmp"): void {
  const folder = folderOf(path);
  const prefix = `.${baseOf(path)}.${purpose}-`;
  let names: string[];
  try {
    names = [...Deno.readDirSync(folder)].filter((e) => e.isFile && e.name.startsWith(prefix))
      .map((e) => e.name);
  } catch {
    return;
  }
  const temp = /^\d+-[0-9a-z]+$/;
  const journal = /^(\d+-[0-9a-z]+)-(?:journal|wal|shm)$/;
  for (const name of names.filter((n) => temp.test(n.slice(prefix.length)))) {
    removeIfAbandoned(`${folder}/${name}`);
  }
  for (const name of names) {
    const base = journal.exec(name.slice(prefix.length))?.[1];
    if (base !== undefined && !pathExists(`${folder}/${prefix}${base}`)) {
      removeIfAbandoned(`${folder}/${name}`);
    }
  }
}

function removeIfAbandoned(file: string): void {
  try {
    const mtime = Deno.statSync(file).mtime?.getTime() ?? 0;
    if (Date.now() - mtime < STALE_AFTER_MS) return;
    const handle = Deno.openSync(file, { read: true });
    try {
      if (handle.tryLockSync(true)) Deno.removeSync(file);
    } finally {
      handle.close();
    }
  } catch {
    // Gone already, or not ours to remove: it is ignored either way.
  }
}

/** Creates an empty owner-only file and holds an exclusive lock on it while the process uses it. */
export function createLockedFile(path: string, mode = 0o600): Deno.FsFile {
  const file = Deno.openSync(path, { createNew: true, read: true, write: true, mode });
  try {
    file.lockSync(true);
    // The mode given to open() is masked by the umask; a backup or an export must be owner-only.
    Deno.chmodSync(path, mode);
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}
