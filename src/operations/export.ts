/**
 * `export` as a use case: every table from one read snapshot, streamed as NDJSON, CSV or JSON
 * into a file written atomically (or a stream), optionally gzipped, with the cursor of an
 * incremental export moved only once the output is delivered (see export_cursor.ts).
 */
import { AtomicFile } from "../atomic_file.ts";
import { type ByteSink, gzipSink, writerSink } from "../byte_sink.ts";
import { ChunkedTextWriter } from "../chunked_text_writer.ts";
import { refuseDatabaseTarget } from "../database_files.ts";
import { pathExists, sameFile } from "../file_paths.ts";
import { removeStaleTemps } from "../temp_files.ts";
import { cellText, csvField } from "../csv.ts";
import type { Database, SqlValue } from "../db/database.ts";
import { DockswapError } from "../errors.ts";
import {
  countExportRows,
  EXPORT_SPECS,
  type ExportFilter,
  exportObjectPages,
  type ExportPage,
  type ExportTable,
  exportValuePages,
  firstEventOfDeploymentsFrom,
  oldestInFlightDeploymentId,
} from "../store/export.ts";
import {
  commitPendingCursor,
  discardPendingCursor,
  type ExportCursor,
  pendingPathOf,
  readCursor,
  writeCursor,
  writePendingCursor,
} from "./export_cursor.ts";

/** The formats export writes. */
export const EXPORT_FORMATS = ["ndjson", "csv", "json"] as const;
export type ExportFormat = typeof EXPORT_FORMATS[number];

/** What one table contributed to an export. */
export interface TableResult {
  table: ExportTable;
  rows: number;
  last_id: number | null;
}

/** Progress of one table, for a caller that shows it (the CLI draws a bar on a terminal). */
export interface ExportProgress {
  tick(rows: number): void;
  done(): void;
}

/** What to export and where to. */
export interface ExportRequest {
  tables: ExportTable[];
  format: ExportFormat;
  filter: ExportFilter;
  /** The file to write atomically; else `stream`. */
  output?: string;
  /** Where bytes go without `output` (stdout). */
  stream?: { writeSync(p: Uint8Array): number };
  gzip: boolean;
  /** The cursor file of an incremental export. */
  cursor?: string;
  now: string;
  /** Called per table when progress is wanted, with the number of rows it will write. */
  progress?: (table: ExportTable, total: number) => ExportProgress;
}

/**
 * CSV of several tables, the same file for output and cursor, either of them the database:
 * refused before anything is read or written.
 */
export function checkExportRequest(request: ExportRequest, databasePath: string): void {
  if (request.format === "csv" && request.tables.length > 1) {
    throw new DockswapError(
      "invalid_argument",
      "CSV holds one table; pass --table configs|deployments|events|state with --format csv",
    );
  }
  if (request.output !== undefined) {
    refuseDatabaseTarget(request.output, databasePath, "--output");
  }
  if (request.cursor !== undefined) {
    refuseDatabaseTarget(request.cursor, databasePath, "--cursor");
    refuseDatabaseTarget(pendingPathOf(request.cursor), databasePath, "--cursor");
  }
  if (
    request.cursor !== undefined && request.output !== undefined &&
    (sameFile(request.cursor, request.output) ||
      sameFile(pendingPathOf(request.cursor), request.output))
  ) {
    throw new DockswapError(
      "invalid_argument",
      `--cursor and --output name the same file ("${request.output}"); give the cursor its own file`,
    );
  }
  if (request.cursor !== undefined && request.output !== undefined && pathExists(request.output)) {
    throw outputExists(request.output);
  }
}

/**
 * An incremental export never replaces its output: a file there may hold rows the cursor has
 * passed, which would then be in no file. There is no --force for this.
 */
function outputExists(output: string): DockswapError {
  // The example keeps the given name's endings (.ndjson.gz, .csv), so it fits the run's format.
  const endings = /(\.[A-Za-z0-9]+)+$/.exec(output.slice(output.lastIndexOf("/") + 1))?.[0] ??
    ".ndjson";
  return new DockswapError(
    "file_exists",
    `"${output}" already exists, and an export with --cursor never replaces a file (the rows ` +
      `in it are behind the cursor and would be in no file). Give each run its own name, e.g. ` +
      `history-$(date -u +%Y%m%dT%H%M%SZ)${endings}. Nothing was written; the cursor did not move.`,
  );
}

/** Reads the cursor, if any (settling what a killed run left): call before opening the database. */
export async function loadExportCursor(
  request: ExportRequest,
  databasePath: string,
): Promise<ExportCursor | undefined> {
  checkExportRequest(request, databasePath);
  return request.cursor === undefined
    ? undefined
    : await readCursor(request.cursor, request.filter.app);
}

/**
 * Runs an export. With a file, nothing appears at `output` until it is complete and synced,
 * and the cursor moves only once it is in place (an existing file is then refused, never
 * replaced); with a stream, the cursor moves once every byte has been written to it. On any
 * failure the previous output and cursor are left as they were.
 */
export async function runExport(
  db: Database,
  request: ExportRequest,
  cursor: ExportCursor | undefined,
): Promise<TableResult[]> {
  checkExportRequest(request, db.path);
  if (request.output !== undefined) removeStaleTemps(request.output);
  const file = request.output === undefined ? undefined : AtomicFile.create(request.output);
  let results: TableResult[];
  try {
    let sink: ByteSink = file ?? writerSink(request.stream ?? Deno.stdout);
    if (request.gzip) sink = gzipSink(sink);
    const writer = new ChunkedTextWriter(sink);
    results = await db.readSnapshot(() => writeTables(db, writer, request, cursor));
    await writer.close();
    file?.sync();
  } catch (error) {
    file?.abort();
    throw error;
  }
  const next = cursor === undefined ? undefined : advance(cursor, results, request.now);
  if (file === undefined) {
    if (next !== undefined) await writeCursor(request.cursor!, next);
    return results;
  }
  if (next === undefined) {
    try {
      file.publish();
    } catch (error) {
      file.abort();
      throw error;
    }
    return results;
  }
  try {
    await writePendingCursor(request.cursor!, next, file.tempPath, file.path);
  } catch (error) {
    file.abort();
    throw error;
  }
  try {
    file.publishNew();
  } catch (error) {
    // Not delivered: the pending cursor must not count (a kill right here is settled the same
    // way, as the output's name does not hold its file).
    discardPendingCursor(request.cursor!);
    file.abort();
    throw error instanceof DockswapError && error.code === "file_exists"
      ? outputExists(file.path)
      : error;
  }
  await commitPendingCursor(request.cursor!, next);
  return results;
}

/** The cursor after an export delivered `results`. */
function advance(cursor: ExportCursor, results: TableResult[], now: string): ExportCursor {
  const next: ExportCursor = { ...cursor, last_id: { ...cursor.last_id }, updated_at: now };
  for (const result of results) {
    if (result.last_id !== null) next.last_id[result.table] = result.last_id;
  }
  return next;
}

/** Writes every table of the request from one snapshot; returns what each contributed. */
async function writeTables(
  db: Database,
  writer: ChunkedTextWriter,
  request: ExportRequest,
  cursor: ExportCursor | undefined,
): Promise<TableResult[]> {
  const { tables, format } = request;
  const typed = tables.length > 1;
  const results: TableResult[] = [];
  const held = cursor === undefined ? undefined : heldBack(db, request.filter.app);
  if (format === "json") await writer.write(typed ? "{" : "");
  for (const [index, table] of tables.entries()) {
    const spec = EXPORT_SPECS[table];
    const filter: ExportFilter = { ...request.filter };
    if (cursor !== undefined && spec.hasId) filter.afterId = cursor.last_id[table] ?? 0;
    if (held !== undefined) {
      if (table === "deployments") filter.beforeId = held.deployment;
      if (table === "events") filter.beforeId = held.event;
      if (table === "state") filter.beforeDeploymentId = held.deployment;
    }
    const progress = request.progress?.(table, countExportRows(db, table, filter));
    if (format === "csv") await writer.write(spec.columns.map(csvField).join(",") + "\r\n");
    if (format === "json") {
      await writer.write(typed ? `${index > 0 ? "," : ""}\n${JSON.stringify(table)}: [` : "[");
    }
    let rows = 0;
    let lastId: number | null = null;
    // A page at a time, one write each: rows are built as text, never as objects.
    const pages = format === "csv"
      ? csvPages(exportValuePages(db, table, filter))
      : exportObjectPages(db, table, filter, {
        typed: typed && format === "ndjson",
        // JSON: every object after ",\n"; the table's first one loses its comma below.
        before: format === "json" ? ",\n" : "",
        after: format === "json" ? "" : "\n",
      });
    for (const page of pages) {
      await writer.write(format === "json" && rows === 0 ? page.rows.slice(1) : page.rows);
      rows += page.count;
      lastId = page.lastId;
      progress?.tick(rows);
    }
    if (format === "json") await writer.write(rows > 0 ? "\n]" : "]");
    progress?.done();
    results.push({ table, rows, last_id: lastId });
  }
  if (format === "json") await writer.write(typed ? "\n}\n" : "\n");
  return results;
}

/**
 * Where an incremental export stops: at the oldest deployment in flight (its row still changes),
 * and, so that every file loads in order into a database enforcing foreign keys, at the first
 * event of that deployment or a later one and before any state row pointing at one of them.
 */
function heldBack(db: Database, app?: string): { deployment: number; event?: number } | undefined {
  const deployment = oldestInFlightDeploymentId(db, app);
  if (deployment === undefined) return undefined;
  return { deployment, event: firstEventOfDeploymentsFrom(db, deployment, app) };
}

/** Pages of value rows as CSV text. */
function* csvPages(pages: Iterable<ExportPage<SqlValue[][]>>): Generator<ExportPage<string>> {
  for (const page of pages) {
    let text = "";
    for (const values of page.rows) {
      text += values.map((value) => csvField(cellText(value))).join(",") + "\r\n";
    }
    yield { ...page, rows: text };
  }
}
