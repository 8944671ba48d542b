import { type Command, InvalidArgumentError, Option } from "commander";
import { TIME_HELP } from "../../duration.ts";
import { DockswapError } from "../../errors.ts";
import type { ProgressOf } from "../../operations/export.ts";
import {
  EXPORT_FORMAT_NAMES,
  EXPORT_FORMATS,
  type ExportFormatName,
} from "../../operations/export_formats/mod.ts";
import { EXPORT_TABLES, type ExportTable } from "../../store/export.ts";
import { didYouMean } from "../../similar_words.ts";
import { filePath, oneOf } from "../arguments.ts";
import { ProgressBar } from "../progress.ts";
import type { CommandRunner } from "../runner.ts";

interface ExportOptions {
  table: ExportTable | "all";
  format: ExportFormatName;
  app?: string;
  since?: string;
  until?: string;
  output?: string;
  cursor?: string;
  gzip?: boolean;
}

const TABLE_CHOICES = [...EXPORT_TABLES, "all"];

/** Export's parameters as its command line names them (the others are `--` and their name). */
/** How this command spells db.export's parameters, for messages. */
const NAMES = {
  table: "--table",
  format: "--format",
  app_name: "--app",
  since: "--since",
  until: "--until",
  cursor: "--cursor",
  gzip: "--gzip",
  output: "--output",
};

/** "ndjson, csv or json". */
const FORMAT_LIST = `${EXPORT_FORMAT_NAMES.slice(0, -1).join(", ")} or ${
  EXPORT_FORMAT_NAMES.at(-1)
}`;

/** Export's --format: its own list, not the renderers' (a table is no export). */
function exportFormat(value: string): ExportFormatName {
  if ((EXPORT_FORMAT_NAMES as readonly string[]).includes(value)) return value as ExportFormatName;
  throw new InvalidArgumentError(
    `export writes ${FORMAT_LIST}${didYouMean(value, EXPORT_FORMAT_NAMES)}.`,
  );
}

/** `export`: stream tables as NDJSON, CSV or JSON, to stdout or atomically to a file. */
export function registerExportCommand(program: Command, runner: CommandRunner): void {
  program.command("export")
    .description("Write history as NDJSON (default), CSV or JSON; incremental with --cursor")
    .addOption(
      new Option("--table <table>", "what to export").choices(TABLE_CHOICES)
        .argParser(oneOf(TABLE_CHOICES)).default("all"),
    )
    .addOption(
      // Set from the global --format by applyFormat (format_option.ts), held to this list.
      new Option("--format <format>", "what to write").choices(EXPORT_FORMAT_NAMES)
        .argParser(exportFormat).default(EXPORT_FORMAT_NAMES[0]),
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
Format (--format, or --json for json; before or after the command; default ${
        EXPORT_FORMAT_NAMES[0]
      }):
${EXPORT_FORMAT_NAMES.map((name) => `  ${name}: ${EXPORT_FORMATS[name].help}.`).join("\n")}
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
      const { exportToFile, exportToStream } = await import("../../operations/export.ts");
      const progress: ProgressOf | undefined = runner.io.stderrIsTerminal
        ? (table, total) => new ProgressBar(`export ${table}`, total, runner.io.err)
        : undefined;
      const params = {
        table: options.table,
        format: options.format,
        app_name: options.app,
        since: options.since,
        until: options.until,
        cursor: options.cursor,
        gzip: options.gzip === true,
      };
      const summary = options.output === undefined
        ? await runner.invokeAlone(
          command,
          exportToStream(runner.io.stdout, progress),
          params,
          NAMES,
        )
        : await runner.invokeAlone(
          command,
          exportToFile(progress),
          { ...params, output: options.output },
          NAMES,
        ).catch((error) => {
          throw error instanceof DockswapError && error.code === "file_exists"
            ? outputExists(options.output!, error)
            : error;
        });
      if (runner.io.stderrIsTerminal) {
        const counts = summary.tables.map((r) => `${r.rows} ${r.table}`).join(", ");
        runner.note(`Exported ${counts}${options.output ? ` to ${options.output}` : ""}`);
      }
    });
}

/**
 * An existing output refused with --cursor, with a name to use instead: the example keeps the
 * given name's endings (.ndjson.gz, .csv), so it fits the run's format.
 */
function outputExists(output: string, refusal: DockswapError): DockswapError {
  const endings = /(\.[A-Za-z0-9]+)+$/.exec(output.slice(output.lastIndexOf("/") + 1))?.[0] ??
    ".ndjson";
  return new DockswapError(
    "file_exists",
    `"${output}" already exists, and an export with --cursor never replaces a file (the rows ` +
      `in it are behind the cursor and would be in no file). Give each run its own name, e.g. ` +
      `history-$(date -u +%Y%m%dT%H%M%SZ)${endings}. Nothing was written; the cursor did not move.`,
    refusal.details,
  );
}
