import { DockswapError } from "../errors.ts";
import type { ExportTable } from "../store/export.ts";
import { folderOf, writeFileAtomically } from "./atomic_file.ts";

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

/** Reads a cursor file; a missing file is a fresh cursor (export everything). */
export function readCursor(path: string, app: string | undefined): ExportCursor {
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
    throw new DockswapError(
      "io_error",
      `Cannot read cursor "${path}": ${(error as Error).message}`,
    );
  }
  let parsed: ExportCursor;
  try {
    parsed = JSON.parse(text);
    const ids = Object.values(parsed.last_id ?? {});
    if (parsed.version !== 1 || !ids.every((id) => Number.isSafeInteger(id) && id >= 0)) {
      throw new Error("unexpected shape");
    }
  } catch {
    throw new DockswapError(
      "invalid_argument",
      `Cursor "${path}" is not a dockswap-db export cursor; remove it to export everything again`,
    );
  }
  if ((parsed.app ?? null) !== (app ?? null)) {
    throw new DockswapError(
      "invalid_argument",
      `Cursor "${path}" belongs to an export of ${
        parsed.app === null ? "all apps" : `app ${parsed.app}`
      }; use one cursor file per export command line`,
    );
  }
  return parsed;
}

/** Writes a cursor file atomically (temporary file, fsync, rename). */
export async function writeCursor(path: string, cursor: ExportCursor): Promise<void> {
  await writeFileAtomically(path, JSON.stringify(cursor, null, 2) + "\n");
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
