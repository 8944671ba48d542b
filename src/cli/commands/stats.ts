import type { Command } from "commander";
import { TIME_HELP } from "../../duration.ts";
import { DockswapError } from "../../errors.ts";
import type { AppStats } from "../../operations/stats.ts";
import { duration } from "../cells.ts";
import { flatten } from "../output.ts";
import type { CommandRunner } from "../runner.ts";
import { argumentOf, defineCommand, optionOf } from "../command_spec.ts";
import { grid, type TableLayout } from "../table.ts";
import { timeBoundMs } from "../time_window.ts";

export const STATS_COMMAND = defineCommand({
  words: ["stats"],
  method: "stats.get",
  params: {
    app_name: { argument: "[app]", label: "app name" },
    since_ms: { option: "--since <time>" },
    until_ms: { option: "--until <time>" },
  },
});

/** `stats [APP] [--since TIME] [--until TIME]`: delivery statistics per app and overall. */
export function registerStatsCommand(program: Command, runner: CommandRunner): void {
  program.command("stats")
    .description(
      "Delivery statistics per app and overall: deployments per day, change failure rate, " +
        "time to restore, durations",
    )
    .argument(
      argumentOf(STATS_COMMAND, "app_name"),
      "app name (default: every app, and all of them together)",
    )
    .option(
      optionOf(STATS_COMMAND, "since_ms"),
      `deployments started at or after this time: ${TIME_HELP}`,
    )
    .option(
      optionOf(STATS_COMMAND, "until_ms"),
      "deployments started before this time (default: now)",
    )
    .addHelpText(
      "after",
      `
Counts deployments started in the window [--since, --until). A failure episode starts when a
deployment ends failed or rolled_back after a success and ends at the next success: time to
restore is from the first one's end to the success's end. change_failure_rate is
(failures + rolled_back) / ended. Durations of adopted deployments whose end time was
reconstructed are left out (durations_unknown). Lead time from commit cannot be computed
here: the history holds no commits. The table shows the main columns; --format json|ndjson|csv
carry every one (median_time_in_state_ms per state). Definitions: docs/monitoring.md (stats).
Examples:
  dockswap-db stats --since 30d
  dockswap-db --format csv stats web-api --since 2026-01-01 --until 2026-02-01`,
    )
    .action(async (
      app: string | undefined,
      options: { since?: string; until?: string },
      command: Command,
    ) => {
      const { statsGet } = await import("../../operations/stats.ts");
      const now = new Date().toISOString();
      const since = options.since === undefined
        ? undefined
        : timeBoundMs("--since", options.since, now);
      const until = options.until === undefined
        ? undefined
        : timeBoundMs("--until", options.until, now);
      refuseEmptyWindow(since, until ?? Date.parse(now));
      await runner.invoke(command, STATS_COMMAND, statsGet, {
        app_name: app,
        since_ms: since,
        until_ms: until,
      }, {
        rows: (result) => [...result.apps, result.overall].map((row) => flatten(row)),
        table: (result, layout) => statsTable([...result.apps, result.overall], layout),
      });
    });
}

/** A window that ends before it starts is a typo (the two flags swapped), said in flags. */
export function refuseEmptyWindow(since: number | undefined, until: number): void {
  if (since !== undefined && since > until) {
    throw new DockswapError(
      "invalid_argument",
      `--since (${new Date(since).toISOString()}) is after --until ` +
        `(${new Date(until).toISOString()}); give a --since before the --until (or now)`,
    );
  }
}

function percent(rate: number | null): string {
  return rate === null ? "" : `${(rate * 100).toFixed(1)}%`;
}

/** `stats`: the measures a person looks at first, one line per app, then all apps. */
function statsTable(rows: AppStats[], layout: TableLayout): string {
  return grid(rows, [
    { header: "app", cell: (s) => s.app_name ?? "(all)", min: 8 },
    { header: "deploys", cell: (s) => String(s.deployments) },
    { header: "per_day", cell: (s) => s.deployments_per_day?.toFixed(2) ?? "" },
    { header: "failure_rate", cell: (s) => percent(s.change_failure_rate) },
    { header: "restore_median", cell: (s) => duration(s.median_time_to_restore_ms) },
    { header: "duration_median", cell: (s) => duration(s.median_duration_ms) },
    { header: "duration_p95", cell: (s) => duration(s.p95_duration_ms) },
    { header: "streak", cell: (s) => String(s.longest_success_streak) },
  ], layout);
}
