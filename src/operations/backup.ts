/**
 * `backup` as a use case (`db.backup`): a consistent snapshot of a live database, verified,
 * synced and moved into place, so that the backup file is whole or absent.
 */
import * as z from "zod";
import { refuseDatabaseTarget } from "../database_files.ts";
import { fileError } from "../file_error.ts";
import { pathExists } from "../file_paths.ts";
import type { Database } from "../db/database.ts";
import { publishVerifiedCopyAsync } from "../db/verified_copy.ts";
import { DockswapError } from "../errors.ts";
import { defineFileOperation } from "./operation.ts";
import { filePath } from "./schemas.ts";

const backupResult = z.object({
  path: z.string().describe("The backup file"),
  bytes: z.number().int(),
  quick_check: z.literal("ok").describe("PRAGMA quick_check of the copy, before it was published"),
});

/** What a backup made. */
export type BackupResult = z.infer<typeof backupResult>;

export const dbBackup = defineFileOperation({
  name: "db.backup",
  summary: "Write a consistent, verified snapshot of the database to a file (mode 0600), " +
    "atomically; an existing file is refused unless force",
  access: "read",
  params: z.strictObject({
    path: filePath.describe("The backup file to create (its folder must exist)"),
    force: z.boolean().default(false).describe("Replace the file if it exists"),
  }),
  result: backupResult,
  runAlone: (context, params) => takeBackup(context.db, params.path, params.force),
});

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
    `Backup file "${path}" already exists; choose another name, or replace it (force)`,
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
        }); nothing was written to "${target}". Check the database (doctor).`,
        { path: target },
      ),
  }, (temp) => source.backupTo(temp, target));
  return { path: target, bytes: Deno.statSync(target).size, quick_check: "ok" };
}
