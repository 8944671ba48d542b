/**
 * Files that appear whole or not at all: written under a temporary name beside the target,
 * fsynced, renamed into place, folder fsynced.
 */
import type { ByteSink } from "./byte_sink.ts";
import { DockswapError } from "./errors.ts";
import { fileError } from "./file_error.ts";
import { folderOf } from "./file_paths.ts";
import { createLockedFile, tempPathBeside } from "./temp_files.ts";

/** Flushes a folder's entry list to disk, so that a rename inside it survives power loss. */
export function syncFolder(folder: string): void {
  try {
    const dir = Deno.openSync(folder, { read: true });
    try {
      dir.syncSync();
    } finally {
      dir.close();
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is still atomic.
  }
}

/**
 * A file written under a temporary name in the same folder and renamed over `path` only when
 * complete and on disk (fsync), so a reader never sees a half-written file at `path`.
 */
export class AtomicFile implements ByteSink {
  readonly path: string;
  readonly tempPath: string;
  #file: Deno.FsFile;

  private constructor(path: string, tempPath: string, file: Deno.FsFile) {
    this.path = path;
    this.tempPath = tempPath;
    this.#file = file;
  }

  /** Starts writing `path` (nothing appears there until `commit`). */
  static create(path: string, mode = 0o600): AtomicFile {
    const tempPath = tempPathBeside(path);
    try {
      if (Deno.statSync(path).isDirectory) throw new Deno.errors.IsADirectory();
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw fileError(error, path, "write");
    }
    try {
      return new AtomicFile(path, tempPath, createLockedFile(tempPath, mode));
    } catch (error) {
      throw fileError(error, path, "write");
    }
  }

  // Synchronous for the same reason as writerSink's.
  // deno-lint-ignore require-await
  async write(bytes: Uint8Array): Promise<void> {
    try {
      let rest = bytes;
      while (rest.length > 0) rest = rest.subarray(this.#file.writeSync(rest));
    } catch (error) {
      throw fileError(error, this.path, "write");
    }
  }

  /** Nothing to flush: bytes go straight to the file; `commit` syncs and renames. */
  async close(): Promise<void> {}

  /** Syncs the data, renames the file into place and syncs the folder. */
  commit(): void {
    this.sync();
    try {
      this.publish();
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** First half of `commit`: the data is on disk, still under the temporary name. */
  sync(): void {
    try {
      // Still open (and locked) until published or aborted: no clean-up takes it meanwhile.
      this.#file.syncSync();
    } catch (error) {
      this.abort();
      throw fileError(error, this.path, "write");
    }
  }

  /**
   * Second half of `commit`: the synced file takes its name (atomically) and the folder is
   * synced. On failure the temporary file stays: the caller decides what goes first (`abort`).
   */
  publish(): void {
    try {
      Deno.renameSync(this.tempPath, this.path);
    } catch (error) {
      throw fileError(error, this.path, "write");
    }
    this.#file.close();
    syncFolder(folderOf(this.path));
  }

  /**
   * `publish` that never replaces anything: link() refuses an existing name atomically (where
   * exists-then-rename would race), then the temporary name goes. Throws `file_exists` when
   * `path` exists, leaving the temporary file for the caller to `abort`.
   */
  publishNew(): void {
    try {
      Deno.linkSync(this.tempPath, this.path);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new DockswapError("file_exists", `"${this.path}" already exists`);
      }
      throw fileError(error, this.path, "write");
    }
    // Published: a temporary name left by a failure here is only a second link, cleaned later.
    this.abort();
    syncFolder(folderOf(this.path));
  }

  /** Drops the temporary file; `path` is left as it was. */
  abort(): void {
    try {
      this.#file.close();
    } catch {
      // Already closed.
    }
    try {
      Deno.removeSync(this.tempPath);
    } catch {
      // Already gone.
    }
  }
}

/** Writes `text` to `path` atomically (temporary file, fsync, rename). */
export async function writeFileAtomically(path: string, text: string, mode = 0o600) {
  const file = AtomicFile.create(path, mode);
  try {
    await file.write(new TextEncoder().encode(text));
  } catch (error) {
    file.abort();
    throw error;
  }
  file.commit();
}
