import { type Command, Option } from "commander";
import { parseTimeBound, TIME_HELP } from "../../duration.ts";
import { DockswapError } from "../../errors.ts";
import type { Database } from "../../db/database.ts";
import {
  countExportRows,
  EXPORT_SPECS,
  EXPORT_TABLES,
  type ExportFilter,
  exportNdjsonPages,
  exportRows,
  type ExportTable,
  oldestInFlightDeploymentId,
} from "../../store/export.ts";
import { isValidAppName } from "../../app_name.ts";
import {
  AtomicFile,
  type ByteSink,
  ChunkedTextWriter,
  gzipSink,
  writerSink,
} from "../atomic_file.ts";
import { type ExportCursor, readCursor, writeCursor } from "../export_cursor.ts";
import { cellText, csvField } from "../output.ts";
import { ProgressBar } from "../progress.ts";
import type { CommandRunner } from "../runner.ts";

/** The formats export writes; the global `table` format does not apply. */
export const EXPORT_FORMATS = ["ndjson", "csv", "json"] as const;
type ExportFormat = typeof EXPORT_FORMATS[number];

interface ExportOptions {
  table: ExportTable | "all";
  app?: string;
  since?: string;
  until?: string;
  output?: string;
  cursor?: string;
  gzip?: boolean;
}

/** What one table contributed to an export. */
interface TableResult {
  table: ExportTable;
  rows: number;
  last_id: number | null;
}

/** `export`: stream tables as NDJSON, CSV or JSON, to stdout or atomically to a file. */
export function registerExportCommand(program: Command, runner: CommandRunner): void {
  program.command("export")
    .description("Write history as NDJSON (default), CSV or JSON; incremental with --cursor")
    .addOption(
      new Option("--table <table>", "what to export").choices([...EXPORT_TABLES, "all"])
        .default("all"),
    )
    .option("--app <name>", "only this app's rows")
    .option("--since <time>", `rows at or after this time: ${TIME_HELP}`)
    .option("--until <time>", "rows before this time (same forms as --since)")
    .option("--output <file>", "write this file atomically (temporary file, fsync, rename)")
    .option("--cursor <file>", "export only rows newer than the ids remembered in this file")
    .option("--gzip", "gzip the output")
    .addHelpText(
      "after",
      `
Format: the global --format; export defaults to ndjson when none is given (table is refused).
  ndjson: one JSON object per row; with --table all each line has "kind"
          (config, deployment, event, state). csv: one table only, RFC 4180 with a header.
  json:   one array (one object of arrays with --table all).
Time columns: configs created_at, deployments started_at, events created_at, state updated_at.
With --cursor, deployments are exported once they have ended (a row in flight still changes);
current_state has no id and is always exported whole.
Example (cron, daily, incremental):
  dockswap-db export --output /var/backups/dockswap/events-$(date +%F).ndjson.gz --gzip \\
    --cursor /var/lib/dockswap/export.cursor`,
    )
    .action(async (options: ExportOptions, command: Command) => {
      const format = exportFormat(runner, command);
      const tables = options.table === "all" ? [...EXPORT_TABLES] : [options.table];
      if (format === "csv" && tables.length > 1) {
        throw new DockswapError(
          "invalid_argument",
          "CSV holds one table; pass --table configs|deployments|events|state with --format csv",
        );
      }
      if (options.app !== undefined && !isValidAppName(options.app)) {
        throw new DockswapError(
          "invalid_argument",
          `--app: ${JSON.stringify(options.app)} is not an app name`,
        );
      }
      const now = new Date().toISOString();
      const filter: ExportFilter = {
        app: options.app,
        since: timeOption("--since", options.since, now),
        until: timeOption("--until", options.until, now),
      };
      const cursor = options.cursor === undefined
        ? undefined
        : readCursor(options.cursor, options.app);
      const results = await runner.withDatabaseAsync(command, async (context) => {
        const file = options.output === undefined ? undefined : AtomicFile.create(options.output);
        try {
          let sink: ByteSink = file ?? writerSink(Deno.stdout);
          if (options.gzip) sink = gzipSink(sink);
          const writer = new ChunkedTextWriter(sink);
          const results = await context.db.readSnapshot(() =>
            writeTables(context.db, writer, { tables, format, filter, cursor, runner })
          );
          await writer.close();
          file?.commit();
          return results;
        } catch (error) {
          file?.abort();
          throw error;
        }
      });
      // Only now that the output is complete and on disk may the cursor move past these rows.
      if (cursor !== undefined && options.cursor !== undefined) {
        for (const result of results) {
          if (result.last_id !== null) cursor.last_id[result.table] = result.last_id;
        }
        cursor.updated_at = now;
        await writeCursor(options.cursor, cursor);
      }
      if (runner.io.stderrIsTerminal) {
        const counts = results.map((r) => `${r.rows} ${r.table}`).join(", ");
        runner.note(`Exported ${counts}${options.output ? ` to ${options.output}` : ""}`);
      }
    });
}

/** Export's format: the global one when given (table refused), else ndjson. */
function exportFormat(runner: CommandRunner, command: Command): ExportFormat {
  if (!runner.formatGiven(command)) return "ndjson";
  const format = runner.globals(command).format;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new DockswapError(
      "invalid_argument",
      `export writes ndjson, csv or json, not ${format}; pass --format ndjson|csv|json`,
    );
  }
  return format as ExportFormat;
}

function timeOption(flag: string, value: string | undefined, now: string): string | undefined {
  if (value === undefined) return undefined;
  const time = parseTimeBound(value, now);
  if (time === undefined) {
    throw new DockswapError(
      "invalid_argument",
      `${flag}: ${JSON.stringify(value)} is not ${TIME_HELP}`,
    );
  }
  return time;
}

interface WritePlan {
  tables: ExportTable[];
  format: ExportFormat;
  filter: ExportFilter;
  cursor: ExportCursor | undefined;
  runner: CommandRunner;
}

/** Writes every table of the plan from one snapshot; returns what each contributed. */
async function writeTables(
  db: Database,
  writer: ChunkedTextWriter,
  plan: WritePlan,
): Promise<TableResult[]> {
  const { tables, format, cursor } = plan;
  const typed = tables.length > 1;
  const results: TableResult[] = [];
  if (format === "json") await writer.write(typed ? "{" : "");
  for (const [index, table] of tables.entries()) {
    const spec = EXPORT_SPECS[table];
    const filter: ExportFilter = { ...plan.filter };
    if (cursor !== undefined && spec.hasId) {
      filter.afterId = cursor.last_id[table] ?? 0;
      if (table === "deployments") filter.beforeId = oldestInFlightDeploymentId(db, filter.app);
    }
    const progress = plan.runner.io.stderrIsTerminal
      ? new ProgressBar(`export ${table}`, countExportRows(db, table, filter), plan.runner.io.err)
      : undefined;
    if (format === "csv") await writer.write(spec.columns.map(csvField).join(",") + "\r\n");
    if (format === "json") {
      await writer.write(typed ? `${index > 0 ? "," : ""}\n${JSON.stringify(table)}: [` : "[");
    }
    let rows = 0;
    let lastId: number | null = null;
    if (format === "ndjson") {
      // Lines built a page at a time in the store: no object per row, one write per page.
      for (const page of exportNdjsonPages(db, table, filter, typed)) {
        await writer.write(page.text);
        rows += page.rows;
        lastId = page.lastId;
        progress?.tick(rows);
      }
    }
    for (const row of format === "ndjson" ? [] : exportRows(db, table, filter)) {
      if (format === "csv") {
        const cells = spec.columns.map((column) =>
          spec.json.includes(column)
            ? (row[column] === null ? "" : JSON.stringify(row[column]))
            : cellText(row[column])
        );
        await writer.write(cells.map(csvField).join(",") + "\r\n");
      } else {
        await writer.write(`${rows > 0 ? "," : ""}\n${JSON.stringify(row)}`);
      }
      rows++;
      if (spec.hasId) lastId = Number(row.id);
      progress?.tick(rows);
    }
    if (format === "json") await writer.write(rows > 0 ? "\n]" : "]");
    progress?.done();
    results.push({ table, rows, last_id: lastId });
  }
  if (format === "json") await writer.write(typed ? "\n}\n" : "\n");
  return results;
}
