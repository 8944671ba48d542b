import { Command, CommanderError } from "commander";
import { ERROR_CODES } from "../errors.ts";
import { CONFIG_COMMANDS, registerConfigCommands } from "./commands/config.ts";
import { registerBackupCommand } from "./commands/backup.ts";
import { DOCTOR_COMMAND, registerDoctorCommand } from "./commands/doctor.ts";
import { registerExportCommand } from "./commands/export.ts";
import { registerFleetCommands } from "./commands/fleet.ts";
import { PRUNE_COMMAND, registerPruneCommand } from "./commands/prune.ts";
import { registerReportCommand } from "./commands/report.ts";
import { DEPLOY_COMMANDS, registerDeployCommands } from "./commands/deploy.ts";
import { MIGRATE_STATUS_COMMAND, registerMigrateCommands } from "./commands/migrate.ts";
import { registerRpcCommand } from "./commands/rpc.ts";
import { registerStatusCommands, STATUS_COMMANDS } from "./commands/status.ts";
import type { CommandSpec } from "./command_spec.ts";
import { registerStatsCommand, STATS_COMMAND } from "./commands/stats.ts";
import { registerMetricsCommand } from "./commands/metrics.ts";
import { EVENTS_FOLLOW_COMMAND } from "./commands/events_follow.ts";
import { exitStatusHelp } from "./exit_status.ts";
import { applyFormat, globalFormatOption } from "./format_option.ts";
import { registerSyncCommand } from "./commands/sync.ts";
import { registerVerifyCommand, VERIFY_COMMAND } from "./commands/verify.ts";
import { fitHelp } from "./help_text.ts";
import { similarWords } from "../similar_words.ts";
import type { CommandRunner } from "./runner.ts";

const EXIT_STATUS_HELP = `
Database location: --db PATH, else $DOCKSWAP_DB, else dockswap.db in the first Go dockswap
config directory that exists ($DOCKSWAP_CONFIG_DIR, ./dockswap-cfg, ~/.config/dockswap-cfg,
/etc/dockswap-cfg), else ./dockswap.db.

${exitStatusHelp()}`;

/** Every command that runs an operation, with its parameters' spelling (messages use them). */
export const COMMANDS: readonly CommandSpec[] = [
  ...CONFIG_COMMANDS,
  ...DEPLOY_COMMANDS,
  ...STATUS_COMMANDS,
  DOCTOR_COMMAND,
  PRUNE_COMMAND,
  MIGRATE_STATUS_COMMAND,
  STATS_COMMAND,
  EVENTS_FOLLOW_COMMAND,
  VERIFY_COMMAND,
] as CommandSpec[];

type Register = (program: Command, runner: CommandRunner) => void;

/** The top-level commands each declaring function adds, in the order help lists them. */
export const COMMAND_GROUPS: readonly (readonly [words: readonly string[], Register])[] = [
  [["config"], registerConfigCommands],
  [["deploy", "recover", "rollback"], registerDeployCommands],
  [["status", "history", "events", "show"], registerStatusCommands],
  [["stats"], registerStatsCommand],
  [["metrics"], registerMetricsCommand],
  [["migrate"], registerMigrateCommands],
  [["export"], registerExportCommand],
  [["backup"], registerBackupCommand],
  [["doctor"], registerDoctorCommand],
  [["verify"], registerVerifyCommand],
  [["prune"], registerPruneCommand],
  [["report"], registerReportCommand],
  [["rpc"], registerRpcCommand],
  [["sync"], registerSyncCommand],
  [["fleet"], registerFleetCommands],
];

/**
 * Builds the command-line program; actions report through `runner`. With `jsonErrors` commander
 * prints no usage error itself: the caller reports it as JSON. Given `only`, a top-level command's
 * name, it declares only that command's group: a one-shot command parses the same, and its help
 * and messages are the same, without building every other command first.
 */
export function buildProgram(
  runner: CommandRunner,
  version: () => string,
  jsonErrors = false,
  only?: string,
): Command {
  const output = plainOutput(runner, jsonErrors);
  const program = new Command("dockswap-db")
    .description(
      "Blue-green deployment history of containerized apps, kept in one SQLite file.",
    )
    .option("-V, --version", "print the tool, schema and SQLite versions")
    .option("--db <path>", "database file (see 'Database location' below)")
    .addOption(globalFormatOption())
    .option("--json", "shorthand for --format json")
    .option(
      "--wide",
      "tables: print every value whole (tables fit the terminal, 80 columns when not one; " +
        "… marks where a value was cut to fit)",
    )
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", EXIT_STATUS_HELP)
    .configureOutput(output)
    .exitOverride();
  program.on("option:version", () => {
    runner.io.out(version() + "\n");
    throw new CommanderError(0, "dockswap-db.version", "");
  });
  const asked = COMMAND_GROUPS.find(([words]) => only !== undefined && words.includes(only));
  for (const [, register] of asked ? [asked] : COMMAND_GROUPS) register(program, runner);
  addHelpCommands(program);
  program.hook("preAction", (_program, action) => {
    refuseContradictoryFormat(action);
    applyFormat(action);
  });
  for (const command of program.commands) {
    command.exitOverride().configureOutput(output);
    for (const sub of command.commands) sub.exitOverride().configureOutput(output);
  }
  return program;
}

/**
 * `help [command...]` on every command with subcommands, following the whole path
 * (`help deploy start`), where commander's own help command reads only its first word.
 */
function addHelpCommands(parent: Command): void {
  if (parent.commands.length === 0) return;
  for (const child of [...parent.commands]) addHelpCommands(child);
  parent.helpCommand(false);
  parent.command("help")
    .description("display help for a command, e.g. help deploy start")
    .argument("[command...]", "the command (and subcommands) to explain")
    .action((path: string[], _options, help: Command) => {
      let target = parent;
      for (const [i, word] of path.entries()) {
        const next = target.commands.find((c) => c.name() === word || c.aliases().includes(word));
        // `help help` explains itself, as the listed command it is; help leads nowhere further.
        if (!next || (next.name() === "help" && i < path.length - 1)) {
          const names = target.commands.map((c) => c.name()).filter((n) => n !== "help");
          help.error(`error: unknown command '${word}'${suggestion(word, names)}`, {
            exitCode: ERROR_CODES.invalid_argument.exit,
            code: "commander.unknownCommand",
          });
        }
        target = next!;
      }
      target.outputHelp();
    });
}

/** Commander's own "did you mean" line for a mistyped command. */
function suggestion(word: string, names: string[]): string {
  const similar = similarWords(word, names);
  if (similar.length === 0) return "";
  return similar.length === 1
    ? `\n(Did you mean ${similar[0]}?)`
    : `\n(Did you mean one of ${similar.join(", ")}?)`;
}

/** `--json` means `--format json`: given with another format, the two contradict each other. */
function refuseContradictoryFormat(action: Command): void {
  let root = action;
  while (root.parent) root = root.parent;
  const { json, format } = root.opts<{ json?: boolean; format: string }>();
  if (json && root.getOptionValueSource("format") !== "default" && format !== "json") {
    action.error(
      `error: option '--json' cannot be used with option '--format ${format}' ` +
        "(--json means --format json; give one of them)",
      { exitCode: ERROR_CODES.invalid_argument.exit, code: "commander.conflictingOption" },
    );
  }
}

/**
 * Commander output through our streams, without color: deciding on color would read
 * NO_COLOR/FORCE_COLOR/CLICOLOR_FORCE, environment the binary is not permitted to read.
 */
function plainOutput(runner: CommandRunner, jsonErrors: boolean) {
  // Commander writes only usage errors (and the help shown after them) to stderr.
  const width = runner.io.columns;
  return {
    writeOut: (text: string) => runner.io.out(fitHelp(text, width)),
    writeErr: (text: string) => jsonErrors || runner.io.err(fitHelp(text, width)),
    getOutHelpWidth: () => width,
    getErrHelpWidth: () => width,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  };
}

/**
 * The top-level command a command line names: its first word after the global options, or
 * undefined when that is not plain to see (an unknown option first, help, no command).
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--db" || arg === "--format") i++;
    else if (!["--json", "--wide"].includes(arg) && !/^--(db|format)=/.test(arg)) {
      return arg.startsWith("-") ? undefined : arg;
    }
  }
  return undefined;
}
