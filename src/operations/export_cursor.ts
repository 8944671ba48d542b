/**
 * The cursor of an incremental export, and how it moves exactly once per delivered output.
 *
 * Two files cannot be renamed together, so a run that writes a file moves the cursor in steps,
 * each one atomic (temporary file, fsync, rename, folder fsync):
 *   1. the output is complete and synced under its temporary name;
 *   2. the new cursor is written as `CURSOR.pending`, naming that temporary file;
 *   3. the output is renamed into place (this is the moment it is delivered);
 *   4. the new cursor is written (atomically) as `CURSOR`, then `CURSOR.pending` is removed.
 * A run killed anywhere leaves a state the next run settles before it reads the cursor: a
 * pending cursor whose temporary output still exists was never delivered (discarded, rows
 * exported again); one whose temporary output is gone was delivered (step 4 is redone).
 */
import { DockswapError } from "../errors.ts";
import type { ExportTable } from "../store/export.ts";
import {
  absolutePath,
  fileError,
  folderOf,
  pathExists,
  removeStaleTemps,
  syncFolder,
  writeFileAtomically,
} from "../atomic_file.ts";

/**
 * What an incremental export remembers between runs: the last exported id of each table, and
 * the app it was limited to (one cursor file serves one export command line).
 */
export interface ExportCursor {
  version: 1;
  app: string | null;
  last_id: Partial<Record<ExportTable, number>>;
  updated_at: string | null;
}

/** A cursor written ahead of the output it belongs to (step 2 above). */
interface PendingCursor {
  cursor: ExportCursor;
  /** The output's temporary name: while it exists, the output was not delivered. */
  output_temp: string;
}

/** Where the pending cursor of `path` lives. */
export function pendingPathOf(path: string): string {
  return `${path}.pending`;
}

/**
 * Reads a cursor file after settling what a killed run left; a missing file is a fresh cursor
 * (export everything).
 */
export async function readCursor(
  path: string,
  app: string | undefined,
): Promise<ExportCursor> {
  await settlePending(path);
  removeStaleTemps(path);
  removeStaleTemps(pendingPathOf(path));
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      // Checked now, not after the export: a cursor that cannot be saved would repeat rows.
      const folder = folderOf(path);
      if (!isFolder(folder)) {
        throw new DockswapError(
          "io_error",
          `Cannot use cursor "${path}": folder "${folder}" does not exist; create it first`,
        );
      }
      return { version: 1, app: app ?? null, last_id: {}, updated_at: null };
    }
    throw fileError(error, path, "read cursor");
  }
  const parsed = parseCursor(text);
  if (parsed === undefined) {
    throw new DockswapError(
      "invalid_argument",
      `Cursor "${path}" is not a dockswap-db export cursor; remove it to export everything again`,
    );
  }
  if (parsed.app !== (app ?? null)) {
    throw new DockswapError(
      "invalid_argument",
      `Cursor "${path}" belongs to an export of ${
        parsed.app === null ? "all apps" : `app ${parsed.app}`
      }; use one cursor file per export command line`,
    );
  }
  return parsed;
}

function parseCursor(text: string): ExportCursor | undefined {
  try {
    const parsed = JSON.parse(text);
    const ids = Object.values(parsed?.last_id ?? {});
    if (
      parsed?.version !== 1 || typeof parsed.last_id !== "object" || parsed.last_id === null ||
      !ids.every((id) => Number.isSafeInteger(id) && (id as number) >= 0)
    ) return undefined;
    return { ...parsed, app: parsed.app ?? null };
  } catch {
    return undefined;
  }
}

/** Finishes or discards the pending cursor a killed run left (see the top of this file). */
async function settlePending(path: string): Promise<void> {
  const pendingPath = pendingPathOf(path);
  let text: string;
  try {
    text = Deno.readTextFileSync(pendingPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw fileError(error, pendingPath, "read cursor");
  }
  let pending: PendingCursor | undefined;
  try {
    pending = JSON.parse(text);
  } catch {
    pending = undefined;
  }
  if (
    pending === undefined || typeof pending.output_temp !== "string" ||
    parseCursor(JSON.stringify(pending.cursor)) === undefined
  ) {
    throw new DockswapError(
      "invalid_argument",
      `"${pendingPath}" is not a pending dockswap-db export cursor; remove it and run again`,
    );
  }
  if (!pathExists(pending.output_temp)) {
    // The output took its name: that run delivered it, so its cursor counts.
    await commitPendingCursor(path, pending.cursor);
    return;
  }
  // The output never took its name: that run delivered nothing, so its cursor must not count.
  try {
    Deno.removeSync(pendingPath);
    Deno.removeSync(pending.output_temp);
  } catch (error) {
    throw fileError(error, pendingPath, "settle cursor");
  }
  syncFolder(folderOf(path));
}

/** Writes a cursor file atomically (temporary file, fsync, rename, folder fsync). */
export async function writeCursor(path: string, cursor: ExportCursor): Promise<void> {
  await writeFileAtomically(path, JSON.stringify(cursor, null, 2) + "\n");
}

/** Step 2: the new cursor, to take effect once the output at `outputTemp` is renamed. */
export async function writePendingCursor(
  path: string,
  cursor: ExportCursor,
  outputTemp: string,
): Promise<void> {
  const pending: PendingCursor = { cursor, output_temp: absolutePath(outputTemp) };
  await writeFileAtomically(pendingPathOf(path), JSON.stringify(pending, null, 2) + "\n");
}

/** Step 4: the pending cursor becomes the cursor (safe to repeat). */
export async function commitPendingCursor(path: string, cursor: ExportCursor): Promise<void> {
  try {
    await writeCursor(path, cursor);
    Deno.removeSync(pendingPathOf(path));
  } catch (error) {
    throw new DockswapError(
      "io_error",
      `The export was written, but its cursor could not be moved into place ` +
        `(${fileError(error, path, "write cursor").message}); the next run with this cursor ` +
        `finishes the move and exports nothing twice`,
    );
  }
  syncFolder(folderOf(path));
}

/** Drops a pending cursor whose output will not be delivered. */
export function discardPendingCursor(path: string): void {
  try {
    Deno.removeSync(pendingPathOf(path));
  } catch {
    // Never written.
  }
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
