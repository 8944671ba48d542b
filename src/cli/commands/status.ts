import { type Command, Option } from "commander";
import { DEPLOYMENT_STATUSES } from "../../lifecycle.ts";
import { oneOf, positiveInteger } from "../arguments.ts";
import { argumentOf, type CommandSpec, defineCommand, optionOf } from "../command_spec.ts";
import { nonNegativeInteger } from "../arguments.ts";
import { ERROR_CODES } from "../../errors.ts";
import { EVENTS_FOLLOW_COMMAND, FOLLOW_HELP, followEvents } from "./events_follow.ts";
import { flatten } from "../output.ts";
import type { CommandRunner } from "../runner.ts";
import { eventsTable, historyTable, showTable, statusTable } from "../views.ts";

/** Deployments `history` shows a person at a terminal unless told otherwise. */
const TERMINAL_ROWS = 10;

const STATUS_ALL = defineCommand({ words: ["status"], method: "state.list", params: {} });

const STATUS = defineCommand({
  words: ["status"],
  method: "state.get",
  params: { app_name: { argument: "[app]", label: "app name" } },
});

const HISTORY = defineCommand({
  words: ["history"],
  method: "deploy.history",
  params: {
    app_name: { argument: "<app>", label: "app name" },
    limit: { option: "--limit <n>" },
    status: { option: "--status <status>" },
  },
});

const EVENTS = defineCommand({
  words: ["events"],
  method: "events.list",
  // Optional: `events --follow` takes none.
  params: { deployment_id: { argument: "[deployment_id]" } },
});

const SHOW = defineCommand({
  words: ["show"],
  method: "deploy.get",
  params: { deployment_id: { argument: "<deployment_id>" } },
});

/** The commands of this file, for messages that name them. */
export const STATUS_COMMANDS: readonly CommandSpec[] = [
  STATUS_ALL,
  STATUS,
  HISTORY,
  EVENTS,
  SHOW,
] as CommandSpec[];

/** `status`, `history`, `events` and `show`: read-only views of the deployment lifecycle. */
export function registerStatusCommands(program: Command, runner: CommandRunner): void {
  program.command("status")
    .description(
      "Current state of every app (sorted by name) or of one: what is live, what is happening",
    )
    .argument(argumentOf(STATUS, "app_name"), "app name (default: all apps)")
    .addHelpText(
      "after",
      "\nstatus is the state-machine state; deployment (deployment_id) the in-flight or last\n" +
        "deployment; color and image (active_color, image) what serves traffic (empty until a\n" +
        "deployment first moves traffic); updated how long ago the state last changed\n" +
        "(updated_at). An app that never deployed is not listed (with APP: not found, exit 3).\n" +
        "Example:\n  dockswap-db --json status web-api",
    )
    .action(async (app: string | undefined, _options, command: Command) => {
      const { stateGet, stateList } = await import("../../operations/history.ts");
      if (app === undefined) {
        await runner.invoke(command, STATUS_ALL, stateList, {}, { table: statusTable });
      } else {
        await runner.invoke(command, STATUS, stateGet, { app_name: app }, {
          table: (state, layout) => statusTable([state], layout),
        });
      }
    });

  program.command("history")
    .description("Deployments of an app, newest first, with rollback links (rollback_of)")
    .argument(argumentOf(HISTORY, "app_name"), "app name")
    .option(optionOf(HISTORY, "limit"), "show at most n deployments", positiveInteger)
    .addOption(
      new Option("--all", `show every deployment (on a terminal the default is ${TERMINAL_ROWS})`)
        .conflicts("limit"),
    )
    .addOption(
      new Option(optionOf(HISTORY, "status"), "only deployments with this status").choices(
        DEPLOYMENT_STATUSES,
      ).argParser(oneOf(DEPLOYMENT_STATUSES)),
    )
    .addHelpText(
      "after",
      `\nA table on a terminal shows the latest ${TERMINAL_ROWS} and says how many more there are;\n` +
        "other formats, and output to a pipe or file, get every deployment.\n" +
        "Example:\n  dockswap-db history web-api --limit 10 --status success",
    )
    .action(async (
      app: string,
      options: { limit?: number; all?: boolean; status?: typeof DEPLOYMENT_STATUSES[number] },
      command: Command,
    ) => {
      const { deployHistory } = await import("../../operations/history.ts");
      // A person at a terminal wants the recent ones, as the Go dockswap shows; scripts get all.
      const shorten = options.limit === undefined && !options.all &&
        runner.io.stdoutIsTerminal && runner.globals(command).format === "table";
      const history = await runner.invoke(command, HISTORY, deployHistory, {
        app_name: app,
        limit: options.limit,
        status: options.status,
      }, {
        table: (deployments, layout) =>
          historyTable(shorten ? deployments.slice(0, TERMINAL_ROWS) : deployments, layout),
      });
      if (shorten && history.length > TERMINAL_ROWS) {
        runner.note(
          `Showing the latest ${TERMINAL_ROWS} of ${history.length} deployments; ` +
            `${history.length - TERMINAL_ROWS} more: --limit N for more, --all for every one`,
        );
      }
    });

  program.command("events")
    .description(
      "Events of a deployment, oldest first (payload as JSON); with --follow, new events of " +
        "every app as NDJSON as they are committed",
    )
    .argument(
      argumentOf(EVENTS, "deployment_id"),
      "deployment id (not with --follow)",
      positiveInteger,
    )
    .option("--follow", "stream events as NDJSON as they are committed, until interrupted")
    .option(optionOf(EVENTS_FOLLOW_COMMAND, "app_name"), "--follow: only this app's events")
    .option(
      optionOf(EVENTS_FOLLOW_COMMAND, "after_id"),
      "--follow: start after this event id (the one printed on exit; 0: from the first)",
      nonNegativeInteger,
    )
    .addHelpText("after", FOLLOW_HELP)
    .action(async (
      deploymentId: number | undefined,
      options: { follow?: boolean; app?: string; sinceId?: number },
      command: Command,
    ) => {
      if (options.follow) {
        if (deploymentId !== undefined) {
          command.error("error: events --follow takes --app, not a DEPLOYMENT_ID", {
            exitCode: ERROR_CODES.invalid_argument.exit,
          });
        }
        return await followEvents(runner, command, options);
      }
      if (
        deploymentId === undefined || options.app !== undefined || options.sinceId !== undefined
      ) {
        command.error(
          deploymentId === undefined
            ? "error: missing required argument 'deployment_id' (or --follow)"
            : "error: --app and --since-id go with --follow",
          { exitCode: ERROR_CODES.invalid_argument.exit },
        );
      }
      // Rows keep the payload as one JSON value (a cell in table and CSV), not dotted columns.
      const { eventsList } = await import("../../operations/history.ts");
      await runner.invoke(command, EVENTS, eventsList, { deployment_id: deploymentId }, {
        rows: (events) => events.map((e) => ({ ...e })),
        table: eventsTable,
      });
    });

  program.command("show")
    .description("One deployment: its config SHA, its events and the time spent in each state")
    .argument(argumentOf(SHOW, "deployment_id"), "deployment id", positiveInteger)
    .addHelpText(
      "after",
      "\nTable output prints three blocks; csv and ndjson print the state spans\n" +
        "(state, entered_at, left_at, duration_ms); JSON prints {deployment, events, states}.\n" +
        "Example:\n  dockswap-db show 7",
    )
    .action(async (deploymentId: number, _options, command: Command) => {
      const { deployGet } = await import("../../operations/history.ts");
      await runner.invoke(command, SHOW, deployGet, { deployment_id: deploymentId }, {
        rows: (r) => r.states.map((s) => flatten(s)),
        table: showTable,
      });
    });
}
