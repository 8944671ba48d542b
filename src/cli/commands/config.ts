import type { Command } from "commander";
import { decodeConfigBytes } from "../../app_config.ts";
import {
  configAdd,
  configCheck,
  configDiff,
  configGet,
  configHistoryOp,
  MAX_CONFIG_BYTES,
} from "../../operations/config.ts";
import { DockswapError, ERROR_CODES } from "../../errors.ts";
import { filePath, positiveInteger } from "../arguments.ts";
import { EXIT_CONFIG_CHANGED } from "../exit_status.ts";
import type { CommandRunner } from "../runner.ts";
import { configCheckTable, configHistoryTable } from "../views.ts";

/** Reads a config file (or stdin for "-") as text, byte for byte. */
export async function readConfigText(runner: CommandRunner, file: string): Promise<string> {
  const bytes = await runner.readInput(file, MAX_CONFIG_BYTES, "config_invalid");
  return decodeConfigBytes(bytes, sourceName(file));
}

function sourceName(file: string): string {
  return file === "-" ? "stdin" : file;
}

/** Runs `work`, naming the file instead of "config_yaml" in a config_invalid message. */
export function namingFile<T>(file: string, work: () => T): T {
  try {
    return work();
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

/** `config add|show|history|check|diff`. */
export function registerConfigCommands(program: Command, runner: CommandRunner): void {
  const config = program.command("config").description("Store and compare app config versions");

  config.command("add")
    .description("Store a config version; nothing is stored when it equals the app's latest")
    .argument("<file>", 'YAML app config in the Go dockswap format, or "-" for stdin', filePath)
    .option("--app <name>", "refuse the file unless its `name` is this app")
    .addHelpText(
      "after",
      "\nThe raw bytes are stored unchanged; config_sha equals `sha256sum FILE`.\n" +
        "Example:\n  dockswap-db config add apps/web-api.yaml",
    )
    .action(async (file: string, options: { app?: string }, command: Command) => {
      const configYaml = await readConfigText(runner, file);
      const result = namingFile(
        file,
        () => runner.invoke(command, configAdd, { config_yaml: configYaml, app_name: options.app }),
      );
      runner.note(
        result.created
          ? `Stored ${result.config.app_name} config ${result.config.id}`
          : `Unchanged: ${result.config.app_name} config ${result.config.id} has the same SHA-256; nothing stored`,
      );
    });

  config.command("show")
    .description("Print the latest (or given) config version of an app, with its YAML")
    .argument("<app>", "app name")
    .option("--id <n>", "config version id", positiveInteger)
    .option("--raw", "print the stored bytes only, exactly (no header line, no added newline)")
    .addHelpText(
      "after",
      "\nWithout --raw, the YAML follows a `# APP config ID, sha256 SHA, TIME` line.\n" +
        "Example (the file's sha256sum equals the stored config_sha):\n" +
        "  dockswap-db config show web-api --raw > web-api.yaml",
    )
    .action((app: string, options: { id?: number; raw?: boolean }, command: Command) => {
      if (options.raw && runner.formatGiven(command)) {
        command.error(
          "error: option '--raw' cannot be used with --json or --format: it prints the " +
            "stored config bytes as they are",
          { exitCode: ERROR_CODES.invalid_argument.exit, code: "commander.conflictingOption" },
        );
      }
      runner.invoke(command, configGet, { app_name: app, id: options.id }, {
        table: (c) =>
          options.raw
            ? c.config_yaml
            : `# ${c.app_name} config ${c.id}, sha256 ${c.config_sha}, ${c.created_at}\n` +
              c.config_yaml + (c.config_yaml.endsWith("\n") ? "" : "\n"),
      });
    });

  config.command("history")
    .description("List an app's config versions, newest first")
    .argument("<app>", "app name")
    .option("--limit <n>", "show at most n versions", positiveInteger)
    .action((app: string, options: { limit?: number }, command: Command) => {
      runner.invoke(command, configHistoryOp, { app_name: app, limit: options.limit }, {
        table: configHistoryTable,
      });
    });

  config.command("check")
    .description("Tell whether a config file differs from the app's latest stored version")
    .argument("<file>", 'YAML app config, or "-" for stdin', filePath)
    .option("--app <name>", "refuse the file unless its `name` is this app")
    .addHelpText(
      "after",
      `\nExit status: 0 unchanged, ${EXIT_CONFIG_CHANGED} changed (or never stored), ` +
        "other values are errors (docs/cli.md, Exit status).\n" +
        "Example:\n  dockswap-db config check apps/web-api.yaml || dockswap-db config add apps/web-api.yaml",
    )
    .action(async (file: string, options: { app?: string }, command: Command) => {
      const configYaml = await readConfigText(runner, file);
      const result = namingFile(
        file,
        () =>
          runner.invoke(command, configCheck, { config_yaml: configYaml, app_name: options.app }, {
            table: configCheckTable,
          }),
      );
      if (result.changed) runner.exitCode = EXIT_CONFIG_CHANGED;
    });

  config.command("diff")
    .description("Unified diff of two config versions (default: previous vs latest)")
    .argument("<app>", "app name")
    .argument("[from_id]", "older config version id", positiveInteger)
    .argument("[to_id]", "newer config version id (default: latest)", positiveInteger)
    .action((app: string, fromId: number | undefined, toId: number | undefined, _o, command) => {
      runner.invoke(command, configDiff, { app_name: app, from_id: fromId, to_id: toId }, {
        table: (d) =>
          d.changed
            ? d.diff
            : `# ${d.app_name} configs ${d.from_id} and ${d.to_id} are identical\n`,
      });
    });
}
