/**
 * Files that appear whole or not at all: written under a temporary name beside the target,
 * fsynced, renamed into place, folder fsynced. Also the byte sinks export streams through.
 */
import { DockswapError } from "./errors.ts";

/** Where bytes go: a file being written, stdout, or a compressor in front of either. */
export interface ByteSink {
  /** Takes `bytes`, which stay valid only until the returned promise settles. */
  write(bytes: Uint8Array): Promise<void>;
  /** Flushes everything written; the sink is unusable afterwards. */
  close(): Promise<void>;
}

/** The folder of a path ("." for a bare name). */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

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

/** Removes a SQLite file and whatever journal files it has beside it; missing ones are fine. */
export function removeDatabaseFiles(path: string): void {
  for (const file of [path, `${path}-journal`, `${path}-wal`, `${path}-shm`]) {
    try {
      Deno.removeSync(file);
    } catch {
      // Not there.
    }
  }
}

/** `path` made absolute against the working folder. */
export function absolutePath(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path.replace(/^\.\//, "")}`;
}

/**
 * `path` with every symbolic link in it resolved. A name that does not exist (yet) is resolved
 * through its folder, so that it can still be compared with another spelling of it.
 */
export function resolvedPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    // Missing, or a dangling link (a rename would replace the link itself, not its target).
  }
  try {
    return `${Deno.realPathSync(folderOf(path))}/${baseOf(path)}`;
  } catch {
    return absolutePath(path);
  }
}

/**
 * True when two paths name one file: the same device and inode when both exist, else the same
 * path once symbolic links are resolved. Never by spelling alone.
 */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = Deno.statSync(a);
    const y = Deno.statSync(b);
    if (x.ino !== null && y.ino !== null) return x.dev === y.dev && x.ino === y.ino;
  } catch {
    // One of them does not exist yet: compare where they lead.
  }
  return resolvedPath(a) === resolvedPath(b);
}

/**
 * Refuses to write `target` when it is the database or one of its journal files: renaming a
 * file over a database that other processes have open would silently lose their writes.
 * SQLite keeps the journals beside the file a symbolic link resolves to, so they are named
 * from the resolved path, whether they exist yet or not.
 */
export function refuseDatabaseTarget(target: string, database: string, what: string): void {
  const real = resolvedPath(database);
  for (const file of [database, `${real}-wal`, `${real}-shm`, `${real}-journal`]) {
    if (sameFile(target, file)) {
      throw new DockswapError(
        "invalid_argument",
        `${what} "${target}" is the database ${
          file === database ? "itself" : `file "${file}"`
        }; choose another path. Nothing was written.`,
        { path: target },
      );
    }
  }
}

/** True when something (a file, a folder, a link) is at `path`. */
export function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

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

/** A file error as a DockswapError naming the file. */
export function fileError(error: unknown, path: string, verb: string): DockswapError {
  if (error instanceof DockswapError) return error;
  const reason = error instanceof Deno.errors.NotFound
    ? "its folder does not exist"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : error instanceof Deno.errors.IsADirectory
    ? "it is a directory"
    : (error as { code?: string }).code === "ENOSPC"
    ? "the disk is full (no space left on device)"
    : (error as Error).message;
  return new DockswapError("io_error", `Cannot ${verb} "${path}": ${reason}`);
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

/** A sink onto a stream such as stdout; `name` says which in an error. */
export function writerSink(
  target: { writeSync(p: Uint8Array): number },
  name = "stdout",
): ByteSink {
  return {
    // Synchronous: an async write per chunk left the export idle a fifth of its time, and
    // there is nothing else to do meanwhile.
    // deno-lint-ignore require-await
    async write(bytes) {
      try {
        let rest = bytes;
        while (rest.length > 0) rest = rest.subarray(target.writeSync(rest));
      } catch (error) {
        // A reader that went away (`| head`) is the usual cause.
        throw new DockswapError("io_error", `Cannot write to ${name}: ${(error as Error).message}`);
      }
    },
    async close() {},
  };
}

/**
 * A sink that gzips what it is given into `inner` (CompressionStream: one chunk at a time). A
 * failure of `inner` (a full disk, a closed pipe) is what every later write and the close throw,
 * not the stream's own "errored" reason, which says nothing about the cause.
 */
export function gzipSink(inner: ByteSink): ByteSink {
  const compressor = new CompressionStream("gzip");
  const writer = compressor.writable.getWriter();
  const reader = compressor.readable.getReader();
  let failure: { error: unknown } | undefined;
  const pump = (async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      try {
        await inner.write(next.value);
      } catch (error) {
        // Recorded before the stream is torn down, which fails pending writes with no reason.
        failure = { error };
        reader.cancel(error).catch(() => {});
        // A failing inner sink must not leave the writer waiting forever.
        writer.abort(error).catch(() => {});
        throw error;
      }
    }
  })();
  pump.catch(() => {});
  const cause = (error: unknown) => failure === undefined ? error : failure.error;
  return {
    async write(bytes) {
      try {
        await writer.ready;
        // A copy: the stream keeps the chunk after this call, and the caller reuses its buffer.
        const chunk = bytes.slice() as Uint8Array<ArrayBuffer>;
        await Promise.race([writer.write(chunk), pump]);
      } catch (error) {
        throw cause(error);
      }
    },
    async close() {
      try {
        await writer.close();
        await pump;
      } catch (error) {
        throw cause(error);
      }
      await inner.close();
    },
  };
}

/**
 * Collects text into chunks of about `chunkChars` before writing, so each row costs no syscall.
 * Chunks stay small and are encoded into one reused buffer: text held across several pages
 * outlived young-generation GCs and was promoted with every string it joined, and a fresh array
 * per chunk is memory outside the JS heap that only a later GC returns; either made an export's
 * peak memory grow with its size.
 */
export class ChunkedTextWriter {
  readonly #sink: ByteSink;
  readonly #chunkChars: number;
  readonly #encoder = new TextEncoder();
  #buffer: Uint8Array;
  #parts: string[] = [];
  #length = 0;

  constructor(sink: ByteSink, chunkChars = 16 * 1024) {
    this.#sink = sink;
    this.#chunkChars = chunkChars;
    this.#buffer = new Uint8Array(chunkChars * 3);
  }

  /** Queues text, writing a chunk when enough has gathered. */
  async write(text: string): Promise<void> {
    this.#parts.push(text);
    this.#length += text.length;
    if (this.#length >= this.#chunkChars) await this.flush();
  }

  /** Writes whatever is queued. */
  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join("");
    this.#parts = [];
    this.#length = 0;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#buffer.length < text.length * 3) this.#buffer = new Uint8Array(text.length * 3);
    const { written } = this.#encoder.encodeInto(text, this.#buffer);
    await this.#sink.write(this.#buffer.subarray(0, written));
  }

  /** Flushes and closes the sink. */
  async close(): Promise<void> {
    await this.flush();
    await this.#sink.close();
  }
}
