import type { Command } from "commander";
import { Database } from "../../db/database.ts";
import { DockswapError } from "../../errors.ts";
import { quickCheck } from "../../store/maintenance.ts";
import { fileError, folderOf, syncFolder, tempPathBeside } from "../atomic_file.ts";
import type { CommandRunner } from "../runner.ts";

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw fileError(error, path, "back up to");
  }
}

function refuseExisting(path: string): never {
  throw new DockswapError(
    "file_exists",
    `Backup file "${path}" already exists; choose another name or pass --force to replace it`,
    { path },
  );
}

function removeQuietly(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      Deno.removeSync(file);
    } catch {
      // Not there.
    }
  }
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
): Promise<{ path: string; bytes: number; quick_check: string }> {
  if (!force && exists(target)) refuseExisting(target);
  const temp = tempPathBeside(target, "backup");
  try {
    // Created empty first so that the snapshot is born owner-only (0600).
    Deno.openSync(temp, { createNew: true, write: true, mode: 0o600 }).close();
    Deno.chmodSync(temp, 0o600);
  } catch (error) {
    throw fileError(error, target, "back up to");
  }
  try {
    await source.backupTo(temp);
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
        }); nothing was written to "${target}". ` +
          "Run `dockswap-db doctor` on the database.",
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
    removeQuietly(temp);
    throw fileError(error, target, "back up to");
  }
}

/** `backup FILE [--force]`. */
export function registerBackupCommand(program: Command, runner: CommandRunner): void {
  program.command("backup")
    .description("Write a consistent, verified snapshot of the database to FILE (mode 0600)")
    .argument("<file>", "backup file to create")
    .option("--force", "replace FILE if it exists")
    .addHelpText(
      "after",
      "\nSafe while other processes write: the SQLite online backup API into a temporary file\n" +
        "in FILE's folder, " +
        "PRAGMA quick_check on the copy, fsync, rename. Example:\n" +
        "  dockswap-db backup /var/backups/dockswap/dockswap-$(date +%F).db",
    )
    .action(async (file: string, options: { force?: boolean }, command: Command) => {
      const result = await runner.withDatabaseAsync(
        command,
        (context) => takeBackup(context.db, file, options.force === true),
      );
      runner.print(command, result);
      runner.note(`Backed up to ${result.path} (${result.bytes} bytes, quick_check ok)`);
    });
}
