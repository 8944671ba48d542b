import { type Command, Option } from "commander";
import { type Color, COLORS } from "../../color.ts";
import { DockswapError } from "../../errors.ts";
import { OUTCOMES, recordableEvents, START_EVENT, TRANSITIONS } from "../../lifecycle.ts";
import { MAX_NESTING, nestingDepth } from "../../rpc/envelope.ts";
import type { JsonValue } from "../../records/fields.ts";
import { filePath, oneOf, positiveInteger } from "../arguments.ts";
import { argumentOf, type CommandSpec, defineCommand, optionOf } from "../command_spec.ts";
import { flatten } from "../output.ts";
import type { CommandRunner } from "../runner.ts";
import { commandFor } from "../speak.ts";
import { namingFile, readConfigText } from "./config.ts";

/** Largest --payload accepted, in characters. */
const MAX_PAYLOAD_CHARS = 1024 * 1024;

/** Parses `--payload` text as any JSON value, refusing invalid JSON before anything is opened. */
export function parsePayload(text: string | undefined): JsonValue | undefined {
  if (text === undefined) return undefined;
  if (text.length > MAX_PAYLOAD_CHARS) {
    throw new DockswapError(
      "invalid_payload",
      `--payload is larger than ${MAX_PAYLOAD_CHARS} characters; nothing was written`,
    );
  }
  // The limit RPC applies to a whole message: validating deeper JSON overflows the stack.
  if (nestingDepth(text) > MAX_NESTING) {
    throw new DockswapError(
      "invalid_payload",
      `--payload nests arrays/objects deeper than ${MAX_NESTING} levels; nothing was written`,
    );
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new DockswapError(
      "invalid_payload",
      `--payload is not valid JSON (${(error as Error).message}); pass one JSON value, ` +
        `e.g. --payload '{"status":200}'. Nothing was written.`,
    );
  }
}

// The start event is left out: `deploy start` and `rollback` record it, `deploy event` refuses it.
const TRANSITION_HELP = Object.entries(TRANSITIONS)
  .map(([state, row]) =>
    [
      state,
      Object.entries(row).filter(([event]) => event !== START_EVENT)
        .map(([event, to]) => `${event} -> ${to}`),
    ] as const
  )
  .filter(([, moves]) => moves.length > 0)
  .map(([state, moves]) => `  ${state.padEnd(13)} ${moves.join(", ")}`)
  .join("\n");

const OUTCOME_HELP = Object.entries(OUTCOMES).map(([event, outcome]) => `${event} -> ${outcome}`)
  .join(", ");

const START = defineCommand({
  words: ["deploy", "start"],
  method: "deploy.start",
  params: {
    app_name: { argument: "<app>", label: "app name" },
    image: { option: "--image <image>" },
    config_yaml: { option: "--config <file>", label: "config" },
    config_id: { option: "--config-id <n>" },
    color: { option: "--color <color>" },
  },
});

const EVENT = defineCommand({
  words: ["deploy", "event"],
  method: "deploy.event",
  params: {
    deployment_id: { argument: "[deployment_id]" },
    event_type: { argument: "[event]" },
    app_name: { option: "--app <name>" },
    payload: { option: "--payload <json>" },
    error: { option: "--error <text>" },
  },
});

const RECOVER = defineCommand({
  words: ["recover"],
  method: "deploy.recover",
  params: {
    app_name: { argument: "<app>", label: "app name" },
    reason: { option: "--reason <text>" },
  },
});

const ROLLBACK = defineCommand({
  words: ["rollback"],
  method: "deploy.rollback",
  params: {
    app_name: { argument: "<app>", label: "app name" },
    to_deployment_id: { option: "--to <deployment_id>" },
  },
});

/** The commands of this file, for messages that name them. */
export const DEPLOY_COMMANDS: readonly CommandSpec[] = [
  START,
  EVENT,
  RECOVER,
  ROLLBACK,
] as CommandSpec[];

/** `deploy start|event`, `recover` and `rollback`: the commands that move an app through its lifecycle. */
export function registerDeployCommands(program: Command, runner: CommandRunner): void {
  const deploy = program.command("deploy").description(
    "Start deployments and record their state-machine events",
  );

  deploy.command("start")
    .description(
      "Start a deployment: records the deploy event and moves the app to starting; refused " +
        "unless the app is stable",
    )
    .argument(argumentOf(START, "app_name"), "app name")
    .requiredOption(optionOf(START, "image"), "Docker image to deploy (required)")
    .addOption(
      new Option(
        optionOf(START, "config_yaml"),
        'config file (stored as "config add" does), or "-" for stdin',
      )
        .argParser(filePath)
        .conflicts("configId"),
    )
    .addOption(
      new Option(optionOf(START, "config_id"), "id of a stored config version of the app")
        .argParser(positiveInteger),
    )
    .addOption(
      new Option(optionOf(START, "color"), "color of a first deployment (later ones alternate)")
        .choices(COLORS).argParser(oneOf(COLORS)),
    )
    .addHelpText(
      "after",
      "\nThe config is the file, the given id, or else the app's latest stored version.\n" +
        "The deployment brings up the color that is not live (first deploy: --color, default blue).\n" +
        "Prints the new deployment; its id is what `deploy event` takes.\n" +
        "Examples:\n" +
        "  dockswap-db deploy start web-api --image registry.example.com/web-api:1.4.2 --config apps/web-api.yaml\n" +
        "  id=$(dockswap-db --format csv deploy start web-api --image web-api:1.4.2 | tail -n +2 | cut -d, -f1)",
    )
    .action(async (
      app: string,
      options: { image: string; config?: string; configId?: number; color?: Color },
      command: Command,
    ) => {
      const configYaml = options.config === undefined
        ? undefined
        : await readConfigText(runner, options.config);
      const { deployStart } = await import("../../operations/deploy.ts");
      const run = () =>
        runner.invoke(command, START, deployStart, {
          app_name: app,
          image: options.image,
          config_yaml: configYaml,
          config_id: options.configId,
          color: options.color,
        }, { rows: (r) => [flatten(r.deployment)] });
      const result = options.config === undefined
        ? await run()
        : await namingFile(options.config, run);
      const d = result.deployment;
      runner.note(
        `Started deployment ${d.id} of ${d.app_name}: ${d.image} on ${d.active_color} with config ` +
          `${result.config.id}${result.config_created ? " (stored now)" : ""}; next: ` +
          nextEvent(runner, command, d.id),
      );
    });

  deploy.command("event")
    .description(
      "Record a state-machine event of a deployment (by id, or --app for the app's current one)",
    )
    .usage("(DEPLOYMENT_ID | --app APP) EVENT [--payload JSON] [--error TEXT]")
    // Both optional to commander: which one is missing depends on --app, so it is said here.
    .argument(argumentOf(EVENT, "deployment_id"), "deployment id (omit with --app)")
    .argument(argumentOf(EVENT, "event_type"), `event: ${recordableEvents.join(", ")}`)
    .option(optionOf(EVENT, "app_name"), "the app whose in-flight deployment the event is for")
    .option(optionOf(EVENT, "payload"), "event data: any JSON value, stored compactly")
    .option(optionOf(EVENT, "error"), "error message of a failure event")
    .addHelpText(
      "after",
      `\nTransitions (state: event -> next state); any other pair is refused, nothing written:\n` +
        `${TRANSITION_HELP}\n` +
        `A deployment begins in starting: deploy start and rollback record its ${START_EVENT} event.\n` +
        `Terminal events end the deployment: ${OUTCOME_HELP}.\n` +
        "Examples:\n" +
        "  dockswap-db deploy event 7 container_started\n" +
        `  dockswap-db deploy event --app web-api health_check_passed --payload '{"status":200,"ms":41}'\n` +
        `  dockswap-db deploy event 7 health_check_failed --error "GET /health: 503"`,
    )
    .action(async (
      first: string | undefined,
      second: string | undefined,
      options: { app?: string; payload?: string; error?: string },
      command: Command,
    ) => {
      // Commander fills positionals in order, so `--app APP EVENT` arrives as the first one.
      let deploymentId: number | undefined;
      let event: string;
      if (options.app === undefined) {
        if (first === undefined || second === undefined) {
          throw new DockswapError(
            "invalid_argument",
            "Give the deployment and the event: deploy event DEPLOYMENT_ID EVENT, " +
              "or deploy event --app APP EVENT",
          );
        }
        deploymentId = parseDeploymentId(first);
        event = second;
      } else {
        if (first === undefined) {
          throw new DockswapError(
            "invalid_argument",
            `Give the event: deploy event --app ${options.app} EVENT (one of ${
              recordableEvents.join(", ")
            })`,
          );
        }
        if (second !== undefined) {
          throw new DockswapError(
            "invalid_argument",
            "Give either a deployment id or --app, not both",
          );
        }
        event = first;
      }
      const payload = parsePayload(options.payload);
      const { deployEvent } = await import("../../operations/deploy.ts");
      const result = await runner.invoke(command, EVENT, deployEvent, {
        deployment_id: deploymentId,
        app_name: options.app,
        event_type: event as typeof recordableEvents[number],
        payload,
        error: options.error,
      }, { rows: (r) => [{ ...r.event }] });
      const e = result.event;
      const ended = result.deployment.status === "in_progress"
        ? ""
        : `; deployment ${result.deployment.id} ended ${result.deployment.status}`;
      runner.note(`${e.app_name}: ${e.from_state} -> ${e.to_state} (${e.event_type})${ended}`);
    });

  program.command("recover")
    .description(
      "Return an app to stable: from failed, or by abandoning its in-flight deployment (ended failed)",
    )
    .argument(argumentOf(RECOVER, "app_name"), "app name")
    .option(optionOf(RECOVER, "reason"), "why; kept in the manual_recovery event")
    .addHelpText(
      "after",
      "\nFrom an in-flight state the deployment ends `failed` with the reason as the event's error,\n" +
        "so a crashed orchestrator never leaves an app locked. From stable nothing is written and\n" +
        'the exit status is 0 (JSON "recovered": false).\n' +
        "Example:\n  dockswap-db recover web-api --reason 'orchestrator crashed during health check'",
    )
    .action(async (app: string, options: { reason?: string }, command: Command) => {
      const { deployRecover } = await import("../../operations/deploy.ts");
      const result = await runner.invoke(command, RECOVER, deployRecover, {
        app_name: app,
        reason: options.reason,
      }, {
        rows: (r) => [{
          recovered: r.recovered,
          app_name: r.app_name,
          from_state: r.from_state,
          status: r.state.status,
          deployment_id: r.deployment.id,
          deployment_status: r.deployment.status,
        }],
      });
      runner.note(result.message);
    });

  program.command("rollback")
    .description(
      "Start a deployment of an earlier deployment's image and config; it follows the same lifecycle",
    )
    .argument(argumentOf(ROLLBACK, "app_name"), "app name")
    .option(
      optionOf(ROLLBACK, "to_deployment_id"),
      "deployment to go back to (default: the most recent success other than the one live)",
      positiveInteger,
    )
    .addHelpText(
      "after",
      "\nThe new deployment has rollback_of = the target's id; record its events with `deploy event`.\n" +
        "Examples:\n  dockswap-db rollback web-api\n  dockswap-db rollback web-api --to 3",
    )
    .action(async (app: string, options: { to?: number }, command: Command) => {
      const { deployRollback } = await import("../../operations/deploy.ts");
      const result = await runner.invoke(command, ROLLBACK, deployRollback, {
        app_name: app,
        to_deployment_id: options.to,
      }, { rows: (r) => [flatten(r.deployment)] });
      const d = result.deployment;
      runner.note(
        `Started rollback deployment ${d.id} of ${d.app_name} to deployment ${d.rollback_of}: ` +
          `${d.image} on ${d.active_color}; next: ${nextEvent(runner, command, d.id)}`,
      );
    });
}

function parseDeploymentId(text: string): number {
  try {
    return positiveInteger(text);
  } catch {
    throw new DockswapError(
      "invalid_argument",
      `Invalid deployment id ${JSON.stringify(text)}: must be a positive integer ` +
        "(or use --app APP to mean the app's current deployment)",
    );
  }
}

/** The first event of a deployment just started, as a command that pastes anywhere (its --db). */
function nextEvent(runner: CommandRunner, command: Command, deploymentId: number): string {
  return commandFor(
    runner.databasePath(command),
    "deploy",
    "event",
    String(deploymentId),
    "container_started",
  );
}
