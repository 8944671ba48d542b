import type { Command } from "commander";
import { writeFileAtomically } from "../../atomic_file.ts";
import { refuseDatabaseTarget } from "../../database_files.ts";
import { DockswapError } from "../../errors.ts";
import { nowIso } from "../../time.ts";
import { filePath } from "../arguments.ts";
import { renderMetrics } from "../metrics_exposition.ts";
import type { CommandRunner } from "../runner.ts";

/** `metrics [--openmetrics] [--output FILE]`: the Prometheus text format, for a scraper. */
export function registerMetricsCommand(program: Command, runner: CommandRunner): void {
  program.command("metrics")
    .description(
      "Print metrics in the Prometheus text format (or OpenMetrics), or write them atomically " +
        "to a .prom file for node_exporter's textfile collector",
    )
    .option("--openmetrics", "write OpenMetrics 1.0 text instead (ends with # EOF)")
    .option(
      "--output <file>",
      "write this file atomically (temporary file in its folder, fsync, rename); " +
        "a new file is 0600, a replaced one keeps its mode",
      filePath,
    )
    .addHelpText(
      "after",
      `
Per app: dockswap_app_state{app,state}, dockswap_app_live_info{app,color,image},
dockswap_deployments_total{app,status}, dockswap_deployment_duration_seconds (histogram),
dockswap_time_in_state_seconds{app,state} (summary), dockswap_last_deployment_timestamp_seconds,
dockswap_last_success_timestamp_seconds, dockswap_in_flight_seconds; and
dockswap_database_size_bytes, dockswap_database_schema_version. Counters are kept on write and
survive prune. Reading costs a few rows per app, however long the history.
Example (cron, every minute, into the folder of node_exporter's textfile collector):
  dockswap-db metrics --output /var/lib/node_exporter/textfile_collector/dockswap.prom`,
    )
    .action(async (options: { openmetrics?: boolean; output?: string }, command: Command) => {
      if (runner.formatGiven(command)) {
        throw new DockswapError(
          "invalid_argument",
          "metrics writes the Prometheus text format (or OpenMetrics with --openmetrics); " +
            "--format and --json do not apply to it",
        );
      }
      const database = runner.databasePath(command);
      if (options.output !== undefined) refuseDatabaseTarget(options.output, database, "--output");
      const { readMetrics } = await import("../../operations/metrics.ts");
      const snapshot = runner.withDatabase(
        command,
        (context) => context.db.read(() => readMetrics(context.db, nowIso())),
        { create: false },
      );
      const text = renderMetrics(snapshot, options.openmetrics ? "openmetrics" : "prometheus");
      if (options.output === undefined) {
        runner.io.out(text);
        return;
      }
      return writeFileAtomically(options.output, text, existingMode(options.output) ?? 0o600);
    });
}

/** The permission bits of an existing file (a collector's reader may rely on them). */
function existingMode(path: string): number | undefined {
  try {
    const mode = Deno.statSync(path).mode;
    return mode === null ? undefined : mode & 0o777;
  } catch {
    return undefined;
  }
}
