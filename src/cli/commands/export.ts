import { type Command, Option } from "commander";
import { APP_NAME_RULE, isValidAppName } from "../../app_name.ts";
import { parseTimeBound, TIME_HELP } from "../../duration.ts";
import { DockswapError } from "../../errors.ts";
import {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportRequest,
  loadExportCursor,
  runExport,
} from "../../operations/export.ts";
import { EXPORT_TABLES, type ExportTable } from "../../store/export.ts";
import { filePath, oneOf } from "../arguments.ts";
import { ProgressBar } from "../progress.ts";
import type { CommandRunner } from "../runner.ts";

interface ExportOptions {
  table: ExportTable | "all";
  app?: string;
  since?: string;
  until?: string;
  output?: string;
  cursor?: string;
  gzip?: boolean;
}

const TABLE_CHOICES = [...EXPORT_TABLES, "all"];

/** `export`: stream tables as NDJSON, CSV or JSON, to stdout or atomically to a file. */
export function registerExportCommand(program: Command, runner: CommandRunner): void {
  program.command("export")
    .description("Write history as NDJSON (default), CSV or JSON; incremental with --cursor")
    .addOption(
      new Option("--table <table>", "what to export").choices(TABLE_CHOICES)
        .argParser(oneOf(TABLE_CHOICES)).default("all"),
    )
    .option("--app <name>", "only this app's rows")
    .option("--since <time>", `rows at or after this time: ${TIME_HELP}`)
    .option("--until <time>", "rows before this time (same forms as --since)")
    .option(
      "--output <file>",
      "write this file atomically (temporary file, fsync, rename; never over a file with --cursor)",
      filePath,
    )
    .option(
      "--cursor <file>",
      "export only rows newer than the ids remembered in this file",
      filePath,
    )
    .option("--gzip", "gzip the output")
    .addHelpText(
      "after",
      `
Format: the global --format; export defaults to ndjson when none is given (table is refused).
  ndjson: one JSON object per row; with --table all each line has "kind"
          (config, deployment, event, state). csv: one table only, RFC 4180 with a header.
  json:   one array (one object of arrays with --table all).
Time columns: configs created_at, deployments started_at, events created_at, state updated_at.
With --cursor, deployments are exported once they have ended (a row in flight still changes),
and their events and current_state rows wait with them: each file loads, in order, into a
database that enforces foreign keys. current_state has no id: each run exports it whole (upsert
it by app_name when loading).
With --cursor and --output, an existing output is refused (exit 8), never replaced: its rows
are behind the cursor. Give each run its own name; there is no --force.
Example (incremental, one file per run):
  dockswap-db export --gzip --cursor /var/lib/dockswap/export.cursor \\
    --output /var/backups/dockswap/history-$(date -u +%Y%m%dT%H%M%SZ).ndjson.gz`,
    )
    .action(async (options: ExportOptions, command: Command) => {
      if (options.gzip && options.output === undefined && runner.io.stdoutIsTerminal) {
        // As gzip does: compressed bytes on a terminal are noise, and can garble it.
        throw new DockswapError(
          "invalid_argument",
          "--gzip: compressed data is not written to a terminal; " +
            "redirect stdout (> FILE.gz, | gunzip) or pass --output FILE",
        );
      }
      if (options.app !== undefined && !isValidAppName(options.app)) {
        throw new DockswapError(
          "invalid_argument",
          `Invalid --app: got ${JSON.stringify(options.app)}; must be ${APP_NAME_RULE}`,
        );
      }
      const now = new Date().toISOString();
      const request: ExportRequest = {
        tables: options.table === "all" ? [...EXPORT_TABLES] : [options.table],
        format: exportFormat(runner, command),
        filter: {
          app: options.app,
          since: timeOption("--since", options.since, now),
          until: timeOption("--until", options.until, now),
        },
        output: options.output,
        gzip: options.gzip === true,
        cursor: options.cursor,
        now,
        progress: runner.io.stderrIsTerminal
          ? (table, total) => new ProgressBar(`export ${table}`, total, runner.io.err)
          : undefined,
      };
      // Before the database is opened: a cursor that cannot be used must cost nothing.
      const cursor = await loadExportCursor(request, runner.databasePath(command));
      const results = await runner.withDatabaseAsync(
        command,
        (context) => runExport(context.db, request, cursor),
      );
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
  let time: string | undefined;
  try {
    time = parseTimeBound(value, now);
  } catch (error) {
    if (!(error instanceof DockswapError)) throw error;
    throw new DockswapError("invalid_argument", `${flag}: ${error.message}`);
  }
  if (time === undefined) {
    throw new DockswapError(
      "invalid_argument",
      `${flag}: ${JSON.stringify(value)} is not ${TIME_HELP}`,
    );
  }
  return time;
}
