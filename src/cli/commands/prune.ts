import type { Command } from "commander";
import { DURATION_HELP } from "../../duration.ts";
import { DockswapError } from "../../errors.ts";
import { durationArgument, positiveInteger } from "../arguments.ts";
import { defineCommand, optionOf } from "../command_spec.ts";
import type { CommandRunner } from "../runner.ts";

interface PruneOptions {
  keepLast?: number;
  olderThan?: number;
  app?: string;
  yes?: boolean;
}

export const PRUNE_COMMAND = defineCommand({
  words: ["prune"],
  method: "db.prune",
  params: {
    keep_last: { option: "--keep-last <n>" },
    older_than_ms: { option: "--older-than <duration>" },
    app_name: { option: "--app <name>" },
    dry_run: { option: "--yes" },
  },
});

/** `prune (--keep-last N | --older-than DURATION) [--app APP] [--yes]`. */
export function registerPruneCommand(program: Command, runner: CommandRunner): void {
  program.command("prune")
    .description("Delete old history; a dry run that lists what would go unless --yes")
    .option(
      optionOf(PRUNE_COMMAND, "keep_last"),
      "keep the n newest deployments and config versions of each app",
      positiveInteger,
    )
    .option(
      optionOf(PRUNE_COMMAND, "older_than_ms"),
      `only what started before now minus ${DURATION_HELP}`,
      durationArgument,
    )
    .option(optionOf(PRUNE_COMMAND, "app_name"), "only this app")
    .option(optionOf(PRUNE_COMMAND, "dry_run"), "delete (in one transaction)")
    .addHelpText(
      "after",
      "\nNever deleted: a deployment in flight, the one current_state points at, the live one\n" +
        "(newest to move traffic or succeed), the rollback target of a kept deployment, a config\n" +
        "a kept deployment uses, an app's latest config.\n" +
        "Events of deleted deployments go with them. Both flags together: only what both select.\n" +
        "Example: dockswap-db prune --keep-last 50 --older-than 90d --yes",
    )
    .action(async (options: PruneOptions, command: Command) => {
      if (options.keepLast === undefined && options.olderThan === undefined) {
        throw new DockswapError(
          "invalid_argument",
          "prune needs --keep-last N or --older-than DURATION",
        );
      }
      const { prune } = await import("../../operations/prune.ts");
      const result = await runner.invoke(command, PRUNE_COMMAND, prune, {
        keep_last: options.keepLast,
        older_than_ms: options.olderThan,
        app_name: options.app,
        dry_run: options.yes !== true,
      }, {
        rows: (r) => [
          ...r.deployments.map((d) => ({ kind: "deployment", ...d })),
          ...r.configs.map((c) => ({ kind: "config", ...c })),
        ],
      });
      const counts =
        `${result.deployments.length} deployment(s), ${result.events} event(s), ${result.configs.length} config version(s)`;
      runner.note(
        result.dry_run
          ? `Dry run: would delete ${counts}; run again with --yes to delete`
          : `Deleted ${counts}`,
      );
    });
}
