/**
 * `backup` as a use case: a consistent snapshot of a live database, verified, synced and moved
 * into place, so that the backup file is whole or absent.
 */
import { refuseDatabaseTarget } from "../database_files.ts";
import { fileError } from "../file_error.ts";
import { pathExists } from "../file_paths.ts";
import { commandFor } from "../command_hint.ts";
import type { Database } from "../db/database.ts";
import { publishVerifiedCopyAsync } from "../db/verified_copy.ts";
import { DockswapError } from "../errors.ts";

/** What a backup made. */
export interface BackupResult {
  path: string;
  bytes: number;
  quick_check: string;
}

function exists(path: string): boolean {
  try {
    return pathExists(path);
  } catch (error) {
    throw fileError(error, path, "back up to");
  }
}

function refuseExisting(path: string): never {
  throw existingError(path);
}

function existingError(path: string): DockswapError {
  return new DockswapError(
    "file_exists",
    `Backup file "${path}" already exists; choose another name or pass --force to replace it`,
    { path },
  );
}

/**
 * Takes a snapshot into a temporary file beside `target` (the online backup API copies one
 * consistent snapshot while other processes keep writing), verifies it, syncs it and moves it
 * into place.
 */
export async function takeBackup(
  source: Database,
  target: string,
  force: boolean,
): Promise<BackupResult> {
  refuseDatabaseTarget(target, source.path, "Backup file");
  if (!force && exists(target)) refuseExisting(target);
  await publishVerifiedCopyAsync({
    target,
    purpose: "backup",
    replace: force,
    failure: (error) =>
      error instanceof Deno.errors.AlreadyExists
        ? existingError(target)
        : fileError(error, target, "back up to"),
    corrupt: (problems) =>
      new DockswapError(
        "database_corrupt",
        `The snapshot failed quick_check (${
          problems.join("; ")
        }); nothing was written to "${target}". ` +
          `Run ${commandFor(source.path, "doctor")} on the database.`,
      ),
  }, (temp) => source.backupTo(temp, target));
  return { path: target, bytes: Deno.statSync(target).size, quick_check: "ok" };
}
