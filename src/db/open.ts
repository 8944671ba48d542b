import { MIGRATIONS } from "../../migrations/mod.ts";
import { resolvedPath } from "../file_paths.ts";
import { octalMode } from "./file_modes.ts";
import { DockswapError } from "../errors.ts";
import { act, call, say } from "../words.ts";
import { Database } from "./database.ts";
import { migrate, verifyHistory } from "./migrate.ts";
import {
  APPLICATION_ID,
  applicationId,
  compareHistory,
  isGoDockswap,
  markAsDockswapFile,
  readHistory,
  tableNames,
} from "./identity.ts";

/**
 * Opens (creating if needed) the database at `path`, sets the per-connection pragmas, checks
 * that the file belongs to dockswap-db and applies pending migrations (unless told not to,
 * for `migrate status`; the history is verified either way). A Go dockswap database is handed
 * to `adoptGoFile` first (adoption/ rewrites it in place); without one it is refused.
 */
export function openDatabase(
  path: string,
  options: {
    applyMigrations?: boolean;
    /**
     * Create a missing file, or initialise an empty one (default); when false either is
     * `not_found`, so a read never creates or changes a database.
     */
    create?: boolean;
    /** Rewrites a Go dockswap file into this schema (`adoptGoDatabase`, from the edges). */
    adoptGoFile?: (db: Database) => void;
  } = {},
): Database {
  const create = options.create ?? true;
  const applyMigrations = options.applyMigrations ?? true;
  prepareFile(path, create);
  const db = connect(path);
  try {
    if (!create && db.read(() => isEmptyDatabase(db))) {
      throw new DockswapError(
        "not_found",
        [
          `No database in "${path}": it is an empty file, nothing has been recorded there yet. ` +
          "A write (e.g. ",
          call("config.add", { config_yaml: null }),
          ") initialises it.",
        ],
      );
    }
    if (applyMigrations && options.adoptGoFile && isGoDockswap(db)) options.adoptGoFile(db);
    // Before anything that could write (even the journal mode is stored in the file header), so
    // that a refused file is left byte for byte as it was. One snapshot: another process may
    // commit the first migration between two reads.
    db.read(() => {
      checkIdentity(db);
      verifyHistory(db, readHistory(db), MIGRATIONS);
    });
    // WAL: readers never block the writer. synchronous=FULL: a commit survives power loss,
    // which deployment history must; the cost is one more fsync per commit.
    if (!db.readOnly && applyMigrations) switchToWal(db);
    db.exec("PRAGMA synchronous = FULL");
    // Writers keep savepoint journals (a group commit replayed after a failing request) and
    // migration rebuilds in memory; reads sort whole windows (stats, report), which SQLite spills
    // to a temporary file instead of growing the process with the window.
    db.exec(`PRAGMA temp_store = ${create ? "MEMORY" : "FILE"}`);
    if (db.readOnly) {
      const { pending } = compareHistory(db.read(() => readHistory(db)), MIGRATIONS);
      if (pending.length > 0) {
        // There is no separate "migrate" command: any command that opens a writable file applies them.
        throw new DockswapError(
          "database_readonly",
          [
            `Cannot use database "${path}": it is read-only and needs ${pending.length} ` +
            "schema migration(s) first; make it writable, and the next command applies them (e.g. ",
            call("state.list", {}, path),
            ")",
          ],
        );
      }
    } else if (applyMigrations) {
      migrate(db, MIGRATIONS, () => {
        checkIdentity(db);
        markAsDockswapFile(db);
      });
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Switches a rollback-journal file to WAL. The switch needs every other connection out of the
 * file, and SQLite does not wait for that (two processes switching a new file at once would
 * deadlock, so one is refused at once). Reading needs no switch and a write waits for its own
 * lock, so a busy file stays as it is and a later open switches it.
 */
function switchToWal(db: Database): void {
  try {
    db.exec("PRAGMA journal_mode = WAL");
  } catch (error) {
    if (!(error instanceof DockswapError && error.code === "database_busy")) throw error;
  }
}

/** True for a file SQLite sees no page in (an empty file, with nothing committed to a WAL). */
function isEmptyDatabase(db: Database): boolean {
  return (db.get<{ page_count: number }>("PRAGMA page_count")?.page_count ?? 0) === 0;
}

/**
 * Connects to an existing or just-created file. A file this process cannot write (its mode, a
 * read-only mount) is opened read-only, so reads work and writes fail with database_readonly
 * rather than the whole command failing to open.
 */
function connect(path: string): Database {
  if (isWritable(path)) return new Database(path);
  refuseUnreadable(path);
  const db = new Database(path, { readOnly: true });
  try {
    db.get("PRAGMA schema_version"); // the first read opens the WAL index (-shm)
  } catch (error) {
    if (
      error instanceof DockswapError &&
      (error.code === "io_error" || error.code === "database_readonly")
    ) {
      db.close();
      // SQLite reads a WAL database through its -shm file, which it creates (or writes) beside
      // the file; it cannot open it read-only through a URI here (Deno allows URIs only with -A).
      // Not "make the folder writable": another user's -shm and -wal left there would then
      // refuse the owner's writes.
      throw new DockswapError(
        "io_error",
        `Cannot read database "${path}": it is read-only here (its mode and owner, or a ` +
          `read-only mount), and SQLite cannot read it without creating or writing ` +
          `"${resolvedPath(path)}-shm", which it cannot either; run as the file's owner, or ` +
          `copy the file to a folder you can write`,
      );
    }
    // Anything else (a damaged file) is met again, and reported, by the first real read.
  }
  return db;
}

/** Refuses a file this process may not even read, saying whose it is. */
function refuseUnreadable(path: string): void {
  try {
    Deno.openSync(path, { read: true }).close();
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) throw wrapIo(error, path);
    const owner = (() => {
      try {
        const { uid, mode } = Deno.statSync(path);
        return ` (owner uid ${uid}, mode ${octalMode((mode ?? 0) & 0o777)})`;
      } catch {
        return "";
      }
    })();
    throw new DockswapError(
      "io_error",
      `Cannot read database "${path}": permission denied${owner}; run as its owner, or as a ` +
        `user allowed to read and write it and its folder`,
    );
  }
}

/** True when this process can open `path` for writing (as root, only a read-only mount stops it). */
function isWritable(path: string): boolean {
  try {
    Deno.openSync(path, { read: true, write: true }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) return false;
    if ((error as { code?: string }).code === "EROFS") return false;
    throw wrapIo(error, path);
  }
}

/** Creates missing parent folders and, for a new database, an empty file readable by its owner only. */
function prepareFile(path: string, create: boolean): void {
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  try {
    const info = Deno.statSync(path);
    if (info.isDirectory) {
      throw new DockswapError(
        "io_error",
        say`Cannot open database "${path}": path is a directory; ${act("pass_database_file")}`,
      );
    }
    if (!info.isFile) {
      // /dev/null, a pipe: SQLite would fail later with a misleading "disk I/O error".
      throw new DockswapError(
        "io_error",
        say`Cannot open database "${path}": not a regular file (a device or a pipe); ${
          act("pass_database_file")
        }`,
      );
    }
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw wrapIo(error, path);
  }
  const link = danglingLinkTarget(path);
  if (link !== undefined) {
    // Its target may sit on a disk that is not mounted: a fresh, empty history there would
    // hide the real one, so the link is refused rather than followed.
    throw new DockswapError(
      "not_found",
      `No database at "${path}": it is a symbolic link to "${link}", which does not exist. ` +
        `dockswap-db does not create a database through a dangling link; restore its target, ` +
        `create the target as an empty file to start a new database there, or use another path.`,
    );
  }
  if (!create) {
    throw new DockswapError(
      "not_found",
      say`No database at "${path}": nothing has been recorded there yet. ${
        act("check_database_path")
      }; a write (e.g. ${call("config.add", { config_yaml: null })}) creates it.`,
    );
  }
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // createNew: when several processes race to create the file, one wins and the rest use it.
    Deno.openSync(path, { createNew: true, write: true, mode: 0o600 }).close();
    Deno.chmodSync(path, 0o600);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw wrapIo(error, path);
  }
}

/** The target of a symbolic link at `path` that points nowhere, else undefined. */
function danglingLinkTarget(path: string): string | undefined {
  try {
    if (!Deno.lstatSync(path).isSymlink) return undefined;
    return Deno.readLinkSync(path);
  } catch {
    return undefined;
  }
}

function wrapIo(error: unknown, path: string): unknown {
  if (error instanceof DockswapError) return error;
  if (error instanceof Deno.errors.PermissionDenied) {
    return new DockswapError(
      "io_error",
      say`Cannot open database "${path}": permission denied; ${act("choose_writable_path")}`,
    );
  }
  if (error instanceof Error) {
    return new DockswapError("io_error", `Cannot open database "${path}": ${error.message}`);
  }
  return error;
}

/** Refuses a SQLite file that belongs to another application. */
function checkIdentity(db: Database): void {
  const id = applicationId(db);
  if (id === APPLICATION_ID) return;
  if (id !== 0) {
    throw new DockswapError(
      "not_a_dockswap_database",
      say`Refusing to use "${db.path}": it belongs to another application (application_id 0x${
        id.toString(16)
      }); ${act("pass_dockswap_file")}. Nothing was changed.`,
    );
  }
  const tables = tableNames(db);
  if (isGoDockswap(db)) {
    throw new DockswapError(
      "not_a_dockswap_database",
      `"${db.path}" is a Go dockswap database; any command other than doctor and ` +
        "`migrate status` adopts it (backing it up first). Nothing was changed.",
    );
  }
  if (tables.length > 0) {
    throw new DockswapError(
      "not_a_dockswap_database",
      say`Refusing to use "${db.path}": it is a SQLite file of another program (tables: ${
        tables.join(", ")
      }); ${act("pass_dockswap_file")}. Nothing was changed.`,
    );
  }
}

/**
 * Opens an existing file for inspection (`doctor`): no identity refusal, no migrations, no
 * pragma that writes, so a damaged or foreign file can still be examined and reported on. A file
 * this process cannot write is opened read-only, or refused with why, as by every command.
 */
export function openForInspection(path: string): Database {
  try {
    if (Deno.statSync(path).isDirectory) {
      throw new DockswapError("io_error", `Cannot open database "${path}": path is a directory`);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new DockswapError(
        "not_found",
        say`No database at "${path}"; ${act("pass_existing_path")}`,
      );
    }
    throw wrapIo(error, path);
  }
  return connect(path);
}

/** Size in bytes of the database's write-ahead log, 0 when there is none. */
export function walSizeBytes(path: string): number {
  try {
    // Beside the file a symbolic link resolves to, where SQLite keeps it.
    return Deno.statSync(`${resolvedPath(path)}-wal`).size;
  } catch {
    return 0;
  }
}
