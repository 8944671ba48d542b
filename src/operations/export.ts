/**
 * `export` as a use case: every table from one read snapshot, streamed in one of the export
 * formats (export_formats/) into a file written atomically (or a stream the caller passes),
 * optionally gzipped, with the cursor of an incremental export moved only once the output is
 * delivered (see export_cursor.ts). As `db.export` it writes a file and returns a summary. Its
 * schemas are in export_schemas.ts, loaded only when a caller validates or describes them: an
 * export whose params pass the quick check loads no validator.
 */
import { AtomicFile } from "../atomic_file.ts";
import { type ByteSink, gzipSink, writerSink } from "../byte_sink.ts";
import { ChunkedTextWriter } from "../chunked_text_writer.ts";
import { refuseDatabaseTarget } from "../database_files.ts";
import { pathExists, sameFile } from "../file_paths.ts";
import { removeStaleTemps } from "../temp_files.ts";
import type { Database } from "../db/database.ts";
import { parseTimeBound, TIME_BOUND_PATTERN } from "../duration.ts";
import { DockswapError } from "../errors.ts";
import {
  countExportRows,
  EXPORT_SPECS,
  EXPORT_TABLES,
  type ExportFilter,
  type ExportTable,
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
import {
  EXPORT_FORMAT_NAMES,
  EXPORT_FORMATS,
  type ExportFormatName,
} from "./export_formats/mod.ts";
import { defineDeferredFileOperation, type OperationContext } from "./operation.ts";
import { isAppName, isFilePath, quickCheckOf } from "./quick_params.ts";
import type { ExportSummary } from "./export_schemas.ts";

/** The schemas of export, loaded when first needed. */
const schemas = () => import("./export_schemas.ts");

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

/** Called per table when progress is wanted, with the number of rows it will write. */
export type ProgressOf = (table: ExportTable, total: number) => ExportProgress;

/** Where bytes go when no file is named: the CLI's stdout. */
export interface ByteStream {
  writeSync(p: Uint8Array): number;
}

/** What to export and where to. */
export interface ExportRequest {
  tables: ExportTable[];
  format: ExportFormatName;
  filter: ExportFilter;
  /** The file to write atomically; else `stream`. */
  output?: string;
  /** Where bytes go without `output`. */
  stream?: ByteStream;
  gzip: boolean;
  /** The cursor file of an incremental export. */
  cursor?: string;
  now: string;
  progress?: ProgressOf;
}

/** The formats that hold one table: a file of several is refused. */
export const ONE_TABLE_FORMATS = EXPORT_FORMAT_NAMES.filter((name) =>
  !EXPORT_FORMATS[name].severalTables
);

/** Whether a time bound that has the right form names a real time (2026-13-01 does not). */
export function validTimeBound(text: string): boolean {
  try {
    return parseTimeBound(text, new Date(0).toISOString()) !== undefined;
  } catch {
    return false;
  }
}

/** The keys of export's params to a stream, in its schema's order; db.export's put output first. */
const SELECTION_KEYS = ["table", "format", "app_name", "since", "until", "cursor", "gzip"];
const TABLE_CHOICES: readonly unknown[] = [...EXPORT_TABLES, "all"];

function isTimeBound(value: unknown): boolean {
  return typeof value === "string" && TIME_BOUND_PATTERN.test(value) && validTimeBound(value);
}

/** The selection as the CLI gives it: defaults given, the others absent or well-formed. */
function isSelection(p: Record<string, unknown>): boolean {
  return TABLE_CHOICES.includes(p.table) &&
    (EXPORT_FORMAT_NAMES as readonly unknown[]).includes(p.format) &&
    typeof p.gzip === "boolean" &&
    (p.app_name === undefined || isAppName(p.app_name)) &&
    (p.since === undefined || isTimeBound(p.since)) &&
    (p.until === undefined || isTimeBound(p.until)) &&
    (p.cursor === undefined || isFilePath(p.cursor)) &&
    (EXPORT_FORMATS[p.format as ExportFormatName].severalTables || p.table !== "all");
}

/** db.export's params: the output, then the selection. */
interface ExportParams {
  output?: string;
  table: ExportTable | "all";
  format: ExportFormatName;
  app_name?: string;
  since?: string;
  until?: string;
  cursor?: string;
  gzip: boolean;
}

const SUMMARY = "Export history to a file (NDJSON, CSV or JSON), atomically; incremental with " +
  "a cursor. Returns rows per table";

/** db.export: the export written to a file, its summary returned. */
export function exportToFile(progress?: ProgressOf) {
  return defineDeferredFileOperation({
    name: "db.export",
    summary: SUMMARY,
    access: "read",
    schemas: () => schemas().then((s) => s.EXPORT_TO_FILE),
    quickParams: quickCheckOf(
      ["output", ...SELECTION_KEYS],
      (p) => isFilePath(p.output) && isSelection(p),
    ),
    precheck: (params, databasePath) => prepareTargets(targetsOf(params), databasePath),
    runAlone: (context, params) => exportWith(context, requestOf(params, context.now(), progress)),
  });
}

/** `export` to a stream (the CLI's stdout): db.export's params without the output. */
export function exportToStream(stream: ByteStream, progress?: ProgressOf) {
  return defineDeferredFileOperation({
    name: "db.export",
    summary: SUMMARY,
    access: "read",
    schemas: () => schemas().then((s) => s.EXPORT_TO_STREAM),
    quickParams: quickCheckOf(SELECTION_KEYS, isSelection),
    precheck: (params, databasePath) => prepareTargets(targetsOf(params), databasePath),
    runAlone: (context, params) =>
      exportWith(context, { ...requestOf(params, context.now(), progress), stream }),
  });
}

function requestOf(params: ExportParams, now: string, progress?: ProgressOf): ExportRequest {
  const bound = (text: string | undefined) =>
    text === undefined ? undefined : parseTimeBound(text, now);
  return {
    tables: params.table === "all" ? [...EXPORT_TABLES] : [params.table],
    format: params.format,
    filter: { app: params.app_name, since: bound(params.since), until: bound(params.until) },
    output: params.output,
    gzip: params.gzip,
    cursor: params.cursor,
    now,
    progress,
  };
}

/** The files an export touches, and the app its cursor belongs to. */
interface ExportTargets {
  output?: string;
  cursor?: string;
  app?: string;
}

function targetsOf(params: { output?: string; cursor?: string; app_name?: string }): ExportTargets {
  return { output: params.output, cursor: params.cursor, app: params.app_name };
}

/** Before the database is opened: a cursor that cannot be used must cost nothing. */
async function prepareTargets(targets: ExportTargets, databasePath: string): Promise<void> {
  await loadExportCursor(targets, databasePath);
}

async function exportWith(
  context: OperationContext,
  request: ExportRequest,
): Promise<ExportSummary> {
  if (request.output === undefined && request.stream === undefined) {
    throw new Error("an export needs an output file or a stream");
  }
  const targets = { output: request.output, cursor: request.cursor, app: request.filter.app };
  const cursor = await loadExportCursor(targets, context.db.path);
  const { tables, next } = await runExport(context.db, request, cursor);
  return {
    output: request.output ?? null,
    format: request.format,
    gzip: request.gzip,
    tables,
    cursor: next === undefined ? null : { path: request.cursor!, last_id: next.last_id },
  };
}

/**
 * A target that is the database (or a journal), the same file for output and cursor: refused
 * before anything is read or written.
 */
function checkTargets(request: ExportTargets, databasePath: string): void {
  if (request.output !== undefined) {
    refuseDatabaseTarget(request.output, databasePath, "Output");
  }
  if (request.cursor !== undefined) {
    refuseDatabaseTarget(request.cursor, databasePath, "Cursor");
    refuseDatabaseTarget(pendingPathOf(request.cursor), databasePath, "Cursor");
  }
  if (
    request.cursor !== undefined && request.output !== undefined &&
    (sameFile(request.cursor, request.output) ||
      sameFile(pendingPathOf(request.cursor), request.output))
  ) {
    throw new DockswapError(
      "invalid_argument",
      `The cursor and the output name the same file ("${request.output}"); give the cursor ` +
        "its own file",
      { path: request.cursor },
    );
  }
  if (request.cursor !== undefined && request.output !== undefined && pathExists(request.output)) {
    throw outputExists(request.output, request.cursor);
  }
}

/**
 * An incremental export never replaces its output: a file there may hold rows the cursor has
 * passed, which would then be in no file. There is no way to force it.
 */
function outputExists(output: string, cursor: string): DockswapError {
  return new DockswapError(
    "file_exists",
    `"${output}" already exists, and an export with a cursor never replaces a file (the rows ` +
      "in it are behind the cursor and would be in no file). Give each run its own name. " +
      "Nothing was written; the cursor did not move.",
    { path: output, cursor },
  );
}

/** Checks the targets and reads the cursor, if any (settling what a killed run left). */
async function loadExportCursor(
  targets: ExportTargets,
  databasePath: string,
): Promise<ExportCursor | undefined> {
  checkTargets(targets, databasePath);
  return targets.cursor === undefined ? undefined : await readCursor(targets.cursor, targets.app);
}

/**
 * Runs an export. With a file, nothing appears at `output` until it is complete and synced,
 * and the cursor moves only once it is in place (an existing file is then refused, never
 * replaced); with a stream, the cursor moves once every byte has been written to it. On any
 * failure the previous output and cursor are left as they were.
 */
async function runExport(
  db: Database,
  request: ExportRequest,
  cursor: ExportCursor | undefined,
): Promise<{ tables: TableResult[]; next?: ExportCursor }> {
  checkTargets({ output: request.output, cursor: request.cursor }, db.path);
  if (request.output !== undefined) removeStaleTemps(request.output);
  const file = request.output === undefined ? undefined : AtomicFile.create(request.output);
  let results: TableResult[];
  try {
    let sink: ByteSink = file ?? writerSink(request.stream!);
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
    return { tables: results, next };
  }
  if (next === undefined) {
    try {
      file.publish();
    } catch (error) {
      file.abort();
      throw error;
    }
    return { tables: results };
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
      ? outputExists(file.path, request.cursor!)
      : error;
  }
  await commitPendingCursor(request.cursor!, next);
  return { tables: results, next };
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
  const { tables } = request;
  const format = EXPORT_FORMATS[request.format].open(tables.length > 1);
  const results: TableResult[] = [];
  const held = cursor === undefined ? undefined : heldBack(db, request.filter.app);
  await writer.write(format.start());
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
    await writer.write(format.startTable(table, index));
    let rows = 0;
    let lastId: number | null = null;
    // A page at a time, one write each: rows are built as text, never as objects.
    for (const page of format.pages(db, table, filter)) {
      await writer.write(page.rows);
      rows += page.count;
      lastId = page.lastId;
      progress?.tick(rows);
    }
    await writer.write(format.endTable(rows));
    progress?.done();
    results.push({ table, rows, last_id: lastId });
  }
  await writer.write(format.end());
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
