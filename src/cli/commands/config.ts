import type { Command } from "commander";
import { DockswapError, ERROR_CODES } from "../../errors.ts";
import { filePath, positiveInteger } from "../arguments.ts";
import { argumentOf, type CommandSpec, defineCommand, optionOf } from "../command_spec.ts";
import { EXIT_CONFIG_CHANGED } from "../exit_status.ts";
import type { CommandRunner } from "../runner.ts";
import { configCheckTable, configHistoryTable } from "../views.ts";

/** Reads a config file (or stdin for "-") as text, byte for byte. */
export async function readConfigText(runner: CommandRunner, file: string): Promise<string> {
  const { MAX_CONFIG_BYTES } = await import("../../operations/config.ts");
  const bytes = await runner.readInput(file, MAX_CONFIG_BYTES, "config_invalid");
  const { decodeConfigBytes } = await import("../../app_config.ts");
  return decodeConfigBytes(bytes, sourceName(file));
}

function sourceName(file: string): string {
  return file === "-" ? "stdin" : file;
}

/** Runs `work`, naming the file instead of "config_yaml" in a config_invalid message. */
export async function namingFile<T>(file: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DockswapError && error.code === "config_invalid") {
      throw new DockswapError(
        error.code,
        error.message.replace(/^config_yaml:/, `${sourceName(file)}:`),
        error.details,
      );
    }
    throw error;
  }
}

const ADD = defineCommand({
  words: ["config", "add"],
  method: "config.add",
  params: {
    config_yaml: { argument: "<file>", label: "config" },
    app_name: { option: "--app <name>" },
  },
});

const SHOW = defineCommand({
  words: ["config", "show"],
  method: "config.get",
  params: { app_name: { argument: "<app>", label: "app name" }, id: { option: "--id <n>" } },
});

const HISTORY = defineCommand({
  words: ["config", "history"],
  method: "config.history",
  params: { app_name: { argument: "<app>", label: "app name" }, limit: { option: "--limit <n>" } },
});

const CHECK = defineCommand({
  words: ["config", "check"],
  method: "config.check",
  params: {
    config_yaml: { argument: "<file>", label: "config" },
    app_name: { option: "--app <name>" },
  },
});

const DIFF = defineCommand({
  words: ["config", "diff"],
  method: "config.diff",
  params: {
    app_name: { argument: "<app>", label: "app name" },
    from_id: { argument: "[from_id]" },
    to_id: { argument: "[to_id]" },
  },
});

/** The commands of this file, for messages that name them. */
export const CONFIG_COMMANDS: readonly CommandSpec[] = [
  ADD,
  SHOW,
  HISTORY,
  CHECK,
  DIFF,
] as CommandSpec[];

/** `config add|show|history|check|diff`. */
export function registerConfigCommands(program: Command, runner: CommandRunner): void {
  const config = program.command("config").description("Store and compare app config versions");

  config.command("add")
    .description("Store a config version; nothing is stored when it equals the app's latest")
    .argument(
      argumentOf(ADD, "config_yaml"),
      'YAML app config in the Go dockswap format, or "-" for stdin',
      filePath,
    )
    .option(optionOf(ADD, "app_name"), "refuse the file unless its `name` is this app")
    .addHelpText(
      "after",
      "\nThe raw bytes are stored unchanged; config_sha equals `sha256sum FILE`.\n" +
        "Example:\n  dockswap-db config add apps/web-api.yaml",
    )
    .action(async (file: string, options: { app?: string }, command: Command) => {
      const configYaml = await readConfigText(runner, file);
      const { configAdd } = await import("../../operations/config.ts");
      const result = await namingFile(
        file,
        () =>
          runner.invoke(command, ADD, configAdd, {
            config_yaml: configYaml,
            app_name: options.app,
          }),
      );
      runner.note(
        result.created
          ? `Stored ${result.config.app_name} config ${result.config.id}`
          : `Unchanged: ${result.config.app_name} config ${result.config.id} has the same SHA-256; nothing stored`,
      );
    });

  config.command("show")
    .description("Print the latest (or given) config version of an app, with its YAML")
    .argument(argumentOf(SHOW, "app_name"), "app name")
    .option(optionOf(SHOW, "id"), "config version id", positiveInteger)
    .option("--raw", "print the stored bytes only, exactly (no header line, no added newline)")
    .addHelpText(
      "after",
      "\nWithout --raw, the YAML follows a `# APP config ID, sha256 SHA, TIME` line.\n" +
        "Example (the file's sha256sum equals the stored config_sha):\n" +
        "  dockswap-db config show web-api --raw > web-api.yaml",
    )
    .action(async (app: string, options: { id?: number; raw?: boolean }, command: Command) => {
      if (options.raw && runner.formatGiven(command)) {
        command.error(
          "error: option '--raw' cannot be used with --json or --format: it prints the " +
            "stored config bytes as they are",
          { exitCode: ERROR_CODES.invalid_argument.exit, code: "commander.conflictingOption" },
        );
      }
      const { configGet } = await import("../../operations/config.ts");
      await runner.invoke(command, SHOW, configGet, { app_name: app, id: options.id }, {
        table: (c) =>
          options.raw
            ? c.config_yaml
            : `# ${c.app_name} config ${c.id}, sha256 ${c.config_sha}, ${c.created_at}\n` +
              c.config_yaml + (c.config_yaml.endsWith("\n") ? "" : "\n"),
      });
    });

  config.command("history")
    .description("List an app's config versions, newest first")
    .argument(argumentOf(HISTORY, "app_name"), "app name")
    .option(optionOf(HISTORY, "limit"), "show at most n versions", positiveInteger)
    .action(async (app: string, options: { limit?: number }, command: Command) => {
      const { configHistoryOp } = await import("../../operations/config.ts");
      await runner.invoke(command, HISTORY, configHistoryOp, {
        app_name: app,
        limit: options.limit,
      }, {
        table: configHistoryTable,
      });
    });

  config.command("check")
    .description("Tell whether a config file differs from the app's latest stored version")
    .argument(argumentOf(CHECK, "config_yaml"), 'YAML app config, or "-" for stdin', filePath)
    .option(optionOf(CHECK, "app_name"), "refuse the file unless its `name` is this app")
    .addHelpText(
      "after",
      `\nExit status: 0 unchanged, ${EXIT_CONFIG_CHANGED} changed (or never stored), ` +
        "other values are errors (docs/cli.md, Exit status).\n" +
        "Example:\n  dockswap-db config check apps/web-api.yaml || dockswap-db config add apps/web-api.yaml",
    )
    .action(async (file: string, options: { app?: string }, command: Command) => {
      const configYaml = await readConfigText(runner, file);
      const { configCheck } = await import("../../operations/config.ts");
      const result = await namingFile(
        file,
        () =>
          runner.invoke(
            command,
            CHECK,
            configCheck,
            { config_yaml: configYaml, app_name: options.app },
            { table: configCheckTable },
          ),
      );
      if (result.changed) runner.exitCode = EXIT_CONFIG_CHANGED;
    });

  config.command("diff")
    .description("Unified diff of two config versions (default: previous vs latest)")
    .argument(argumentOf(DIFF, "app_name"), "app name")
    .argument(argumentOf(DIFF, "from_id"), "older config version id", positiveInteger)
    .argument(
      argumentOf(DIFF, "to_id"),
      "newer config version id (default: latest)",
      positiveInteger,
    )
    .action(
      async (app: string, fromId: number | undefined, toId: number | undefined, _o, command) => {
        const { configDiff } = await import("../../operations/config.ts");
        await runner.invoke(command, DIFF, configDiff, {
          app_name: app,
          from_id: fromId,
          to_id: toId,
        }, {
          table: (d) =>
            d.changed
              ? d.diff
              : `# ${d.app_name} configs ${d.from_id} and ${d.to_id} are identical\n`,
        });
      },
    );
}
