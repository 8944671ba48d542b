import { type Command, Option } from "commander";
import { DockswapError } from "../../errors.ts";
import { VERSION } from "../../version.ts";
import { positiveInteger } from "../arguments.ts";
import { ProgressBar } from "../progress.ts";
import type { CommandRunner } from "../runner.ts";
import { centralTarget, SERVER_HELP, type ServerOptions, withCentral } from "./central_options.ts";

interface SyncOptions extends ServerOptions {
  to?: string;
  hostName?: string;
  prune?: boolean;
  asNewHost?: boolean;
  asSameHost?: boolean;
  batchRows?: number;
}

/** `sync`: push this host's history into the fleet's central PostgreSQL. */
export function registerSyncCommand(program: Command, runner: CommandRunner): void {
  program.command("sync")
    .description("Send this host's new history to the fleet's central PostgreSQL")
    .option(
      "--to <url>",
      "postgres://USER:PASSWORD@HOST[:PORT]/DB[?sslmode=...] " +
        "(default: $DOCKSWAP_SYNC_URL)",
    )
    .option("--schema <name>", "schema of the fleet tables (default: dockswap)")
    .option(
      "--host-name <name>",
      "this host's name in the fleet (default: the machine's " +
        "hostname; remembered)",
    )
    .option("--prune", "also delete central rows of this host that prune deleted here")
    .addOption(
      new Option("--as-new-host", "this file is a copy serving another host: give it a new id")
        .conflicts("asSameHost"),
    )
    .option("--as-same-host", "this file is this host's, moved or restored: keep its id")
    .option("--batch-rows <n>", "rows per transaction (default 5000; configs 100)", positiveInteger)
    .addHelpText(
      "after",
      `
Sends only rows the server lacks (one transaction per batch), then deployments that ended
since they were sent and current_state. Killed or failed at any point, the next sync resumes;
two syncs of one host at once run one after the other. Rows deleted here by prune stay
centrally unless --prune. Prints its summary on a terminal, or with --format/--json.
${SERVER_HELP}
Example (cron), with the URL in $DOCKSWAP_SYNC_URL:
  dockswap-db sync --host-name web-1`,
    )
    .action(async (options: SyncOptions, command: Command) => {
      const target = await centralTarget(runner, options.to, options.schema, "--to");
      const { runSync } = await import("../../fleet/sync.ts");
      const { checkHostName } = await import("../../fleet/host_claim.ts");
      // Before anything is sent or created: bad input changes nothing.
      if (options.hostName !== undefined) checkHostName(options.hostName);
      const result = await withCentral(
        target,
        (central) =>
          runner.withDatabaseAsync(command, (context) =>
            runSync(context.db, central, {
              identity: {
                hostName: options.hostName,
                asNewHost: options.asNewHost,
                asSameHost: options.asSameHost,
              },
              prune: options.prune === true,
              toolVersion: VERSION,
              now: context.now,
              batchRows: options.batchRows,
              progress: runner.io.stderrIsTerminal
                ? (table, total) => new ProgressBar(`sync ${table}`, total, runner.io.err)
                : undefined,
            }).catch((error) => {
              throw withResolution(error);
            })),
      );
      if (runner.formatGiven(command) || runner.io.stdoutIsTerminal) {
        runner.print(command, result);
      }
    });
}

/** An identity refusal, with the flags that resolve it. */
function withResolution(error: unknown): unknown {
  if (!(error instanceof DockswapError) || error.code !== "host_identity_conflict") return error;
  return new DockswapError(
    error.code,
    `${error.message} Say which host this file is: run sync once with --as-new-host if it ` +
      "serves another host (it syncs under a new id; its history is sent again), or with " +
      "--as-same-host if it replaces that host (the other file must then never sync again).",
    error.details,
  );
}
