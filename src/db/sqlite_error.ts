import { DockswapError } from "../errors.ts";
import { call, say } from "../words.ts";

// Primary SQLite result codes (the low byte of an extended code).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** True for an error thrown by node:sqlite. */
export function isSqliteError(error: unknown): error is Error & { errcode?: number } {
  return error instanceof Error && (error as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

/** True for SQLite's "database or disk is full". */
export function isDiskFull(error: unknown): boolean {
  if (!isSqliteError(error)) return false;
  return ((error.errcode ?? -1) & 0xff) === SQLITE_FULL ||
    /database or disk is full/.test(error.message);
}

/**
 * Turns an error thrown by SQLite into a DockswapError that says what to do; anything else
 * (including constraint failures, which mean a bug above) is returned unchanged.
 */
export function translateSqliteError(error: unknown, path: string): unknown {
  if (!isSqliteError(error)) return error;
  const primary = (error.errcode ?? -1) & 0xff;
  const text = error.message;
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED || /database is locked/.test(text)) {
    return new DockswapError(
      "database_busy",
      `Database "${path}" stayed locked by another process past the busy timeout; retry the command`,
    );
  }
  if (primary === SQLITE_READONLY || /readonly database/.test(text)) {
    return new DockswapError(
      "database_readonly",
      `Cannot write to database "${path}": it is read-only; check the file's permissions and its folder's`,
    );
  }
  if (isDiskFull(error)) {
    return new DockswapError(
      "io_error",
      `Cannot write to database "${path}": the disk is full; nothing was written, free space and retry`,
    );
  }
  if (
    primary === SQLITE_NOTADB || primary === SQLITE_CORRUPT ||
    /file is not a database|database disk image is malformed/.test(text)
  ) {
    return new DockswapError(
      "database_corrupt",
      say`Database "${path}" is not a SQLite database or is damaged (${text}); run ${
        call("db.doctor", {}, path)
      } or restore a backup`,
    );
  }
  // json() of stored text that this SQLite does not read as JSON: an older SQLite let in what
  // the schema's json_valid CHECK now refuses (nesting past 1,000 levels).
  if (/malformed JSON/.test(text)) {
    const what = `Database "${path}" holds text that this SQLite cannot read as JSON where ` +
      "its schema requires JSON (an event payload another program wrote, e.g. one nested past " +
      "1,000 levels)";
    return new DockswapError(
      "database_corrupt",
      say`${what}; ${call("db.doctor", {}, path)} names it`,
    );
  }
  if (primary === SQLITE_CANTOPEN || /unable to open database file/.test(text)) {
    return new DockswapError("io_error", `Cannot open database "${path}": ${text}`);
  }
  // node:sqlite sets no errcode on errors from exec() (BEGIN, COMMIT): the text is all there is.
  // A write refused for lack of space or past the file-size limit (EFBIG) ends up here.
  if (primary === SQLITE_IOERR || /disk I\/O error/.test(text)) {
    return new DockswapError(
      "io_error",
      `I/O error on database "${path}" (${text}): the disk may be full or the file-size limit ` +
        `reached; the failed write was rolled back, free space and retry`,
    );
  }
  return error;
}
