/**
 * `backup` as a use case (`db.backup`): a consistent snapshot of a live database, verified,
 * synced and moved into place, so that the backup file is whole or absent.
 */
import { z } from "zod";
import {
  createLockedFile,
  fileError,
  folderOf,
  pathExists,
  refuseDatabaseTarget,
  removeDatabaseFiles,
  removeStaleTemps,
  syncFolder,
  tempPathBeside,
} from "../atomic_file.ts";
import { Database } from "../db/database.ts";
import { DockswapError } from "../errors.ts";
import { quickCheck } from "../store/maintenance.ts";
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
  throw new DockswapError(
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
  removeStaleTemps(target, "backup");
  const temp = tempPathBeside(target, "backup");
  let guard: Deno.FsFile;
  try {
    // Created empty first so that the snapshot is born owner-only (0600); locked so that a
    // later run's clean-up can tell it from the leftover of a killed one.
    guard = createLockedFile(temp);
  } catch (error) {
    throw fileError(error, target, "back up to");
  }
  try {
    await source.backupTo(temp, target);
    const copy = new Database(temp);
    let problems: string[];
    try {
      problems = quickCheck(copy);
    } finally {
      copy.close();
    }
    if (problems.length !== 1 || problems[0] !== "ok") {
      throw new DockswapError(
        "database_corrupt",
        `The snapshot failed quick_check (${
          problems.join("; ")
        }); nothing was written to "${target}". Check the database (doctor).`,
        { path: target },
      );
    }
    const file = Deno.openSync(temp, { read: true, write: true });
    try {
      file.syncSync();
    } finally {
      file.close();
    }
    if (force) {
      Deno.renameSync(temp, target);
    } else {
      // link() refuses an existing name atomically, where exists-then-rename would race.
      try {
        Deno.linkSync(temp, target);
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) refuseExisting(target);
        throw error;
      }
      Deno.removeSync(temp);
    }
    syncFolder(folderOf(target));
    return { path: target, bytes: Deno.statSync(target).size, quick_check: "ok" };
  } catch (error) {
    removeDatabaseFiles(temp);
    throw fileError(error, target, "back up to");
  } finally {
    guard.close();
  }
}
