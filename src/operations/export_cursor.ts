/**
 * The cursor of an incremental export, and how it moves once per delivered output.
 *
 * A delivered file is never replaced (it holds rows the cursor has passed), and the cursor never
 * passes a row before a file holding it is in place. Two files cannot be renamed together, so a
 * run that writes a file moves the cursor in steps, each one atomic:
 *   1. the output is complete and synced under its temporary name;
 *   2. the new cursor is written as `CURSOR.pending`, naming the output and its file (inode);
 *   3. the output takes its name with link(), which refuses an existing name: delivered;
 *   4. the new cursor is written (atomically) as `CURSOR`, then `CURSOR.pending` is removed.
 * A run killed anywhere leaves a state the next run settles before it reads the cursor: a
 * pending cursor whose output name holds its file was delivered (step 4 is redone); otherwise
 * nothing was, the pending cursor is dropped and the rows are exported again. Should a
 * delivered file be moved away before that next run, its rows go out again: at least once.
 */
import { DockswapError } from "../errors.ts";
import type { ExportTable } from "../store/export.ts";
import { syncFolder, writeFileAtomically } from "../atomic_file.ts";
import { fileError } from "../file_error.ts";
import { absolutePath, folderOf, pathExists } from "../file_paths.ts";
import { removeStaleTemps } from "../temp_files.ts";

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
  /** The output's temporary name, removed when the pending cursor is settled. */
  output_temp: string;
  /** The output's name and file: delivered when that name holds that file. */
  output?: string;
  output_file?: FileIdentity;
}

/** Which file a name holds (device and inode). */
interface FileIdentity {
  dev: number;
  ino: number;
}

function identityOf(path: string): FileIdentity | undefined {
  try {
    const { dev, ino } = Deno.statSync(path);
    return ino === null ? undefined : { dev, ino };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
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
      { path },
    );
  }
  if (parsed.app !== (app ?? null)) {
    throw new DockswapError(
      "invalid_argument",
      `Cursor "${path}" belongs to an export of ${
        parsed.app === null ? "all apps" : `app ${parsed.app}`
      }; use one cursor file per export command line`,
      { path },
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
      { path: pendingPath },
    );
  }
  if (wasDelivered(pending)) {
    // The output took its name: that run delivered it, so its cursor counts.
    await commitPendingCursor(path, pending.cursor);
    removeIfPresent(pending.output_temp, pendingPath);
    return;
  }
  // The output never took its name: that run delivered nothing, so its cursor must not count.
  removeIfPresent(pendingPath, pendingPath);
  removeIfPresent(pending.output_temp, pendingPath);
  syncFolder(folderOf(path));
}

function wasDelivered(pending: PendingCursor): boolean {
  if (pending.output === undefined) {
    // Written by a version that renamed the output into place: gone means renamed.
    return !pathExists(pending.output_temp);
  }
  const delivered = identityOf(pending.output);
  return delivered !== undefined && pending.output_file !== undefined &&
    delivered.dev === pending.output_file.dev && delivered.ino === pending.output_file.ino;
}

function removeIfPresent(file: string, settling: string): void {
  try {
    Deno.removeSync(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw fileError(error, settling, "settle cursor");
  }
}

/** Writes a cursor file atomically (temporary file, fsync, rename, folder fsync). */
export async function writeCursor(path: string, cursor: ExportCursor): Promise<void> {
  await writeFileAtomically(path, JSON.stringify(cursor, null, 2) + "\n");
}

/** Step 2: the new cursor, to take effect once the file at `outputTemp` is named `output`. */
export async function writePendingCursor(
  path: string,
  cursor: ExportCursor,
  outputTemp: string,
  output: string,
): Promise<void> {
  const pending: PendingCursor = {
    cursor,
    output_temp: absolutePath(outputTemp),
    output: absolutePath(output),
    output_file: identityOf(outputTemp),
  };
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
