/**
 * Publishing a verified SQLite copy: made under a hidden, locked, owner-only temporary name beside
 * its target, checked with quick_check, fsynced, and only then given its name, so the copy is
 * whole or absent. `backup` and the copy made before adopting a Go file both publish this way.
 */
import { syncFolder } from "../atomic_file.ts";
import { removeDatabaseFiles } from "../database_files.ts";
import { DockswapError } from "../errors.ts";
import { folderOf } from "../file_paths.ts";
import { createLockedFile, removeStaleTemps, tempPathBeside } from "../temp_files.ts";
import { Database } from "./database.ts";

/** Where a copy goes and how its failures are worded. */
export interface CopyPlan {
  /** The name the copy is published under. */
  target: string;
  /** The temporary name is derived from this (default `target`) and `purpose`. */
  tempStem?: string;
  purpose: string;
  /** Rename over an existing target, or refuse one (link() refuses atomically). */
  replace: boolean;
  /** A failure that is not already a DockswapError, worded for the user. */
  failure: (error: unknown) => DockswapError;
  /** A copy whose quick_check found `problems`. */
  corrupt: (problems: string[]) => DockswapError;
}

/** Runs `fill` on the temporary file (synchronously) and publishes the copy it made. */
export function publishVerifiedCopy(plan: CopyPlan, fill: (temp: string) => void): void {
  const { temp, guard } = begin(plan);
  try {
    fill(temp);
    finish(plan, temp, guard);
  } catch (error) {
    throw abandon(plan, temp, error);
  } finally {
    guard.close();
  }
}

/** `publishVerifiedCopy` for a `fill` that awaits (SQLite's online backup API). */
export async function publishVerifiedCopyAsync(
  plan: CopyPlan,
  fill: (temp: string) => Promise<void>,
): Promise<void> {
  const { temp, guard } = begin(plan);
  try {
    await fill(temp);
    finish(plan, temp, guard);
  } catch (error) {
    throw abandon(plan, temp, error);
  } finally {
    guard.close();
  }
}

/** Removes what killed runs left, then creates the empty owner-only temporary file, locked. */
function begin(plan: CopyPlan): { temp: string; guard: Deno.FsFile } {
  const stem = plan.tempStem ?? plan.target;
  removeStaleTemps(stem, plan.purpose);
  const temp = tempPathBeside(stem, plan.purpose);
  try {
    // Locked so that a later run's clean-up can tell it from the leftover of a killed one.
    return { temp, guard: createLockedFile(temp) };
  } catch (error) {
    throw error instanceof DockswapError ? error : plan.failure(error);
  }
}

/** Checks the filled copy, puts it on disk and gives it its name. */
function finish(plan: CopyPlan, temp: string, guard: Deno.FsFile): void {
  const problems = quickCheck(temp);
  if (problems.length !== 1 || problems[0] !== "ok") throw plan.corrupt(problems);
  // The guard is closed only after every SQLite connection to the file: closing a file drops
  // this process's POSIX locks on it.
  guard.syncSync();
  if (plan.replace) {
    Deno.renameSync(temp, plan.target);
  } else {
    Deno.linkSync(temp, plan.target);
    Deno.removeSync(temp);
  }
  syncFolder(folderOf(plan.target));
}

function quickCheck(path: string): string[] {
  const copy = new Database(path, { foreignKeys: false });
  try {
    return copy.all<{ quick_check: string }>("PRAGMA quick_check").map((r) => r.quick_check);
  } finally {
    copy.close();
  }
}

function abandon(plan: CopyPlan, temp: string, error: unknown): DockswapError {
  removeDatabaseFiles(temp);
  return error instanceof DockswapError ? error : plan.failure(error);
}
