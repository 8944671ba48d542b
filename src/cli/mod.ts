import { CommanderError } from "commander";
import { DockswapError, ERROR_CODES } from "../errors.ts";
import type { CliIo } from "./io.ts";
import { buildProgram, COMMANDS, commandWord } from "./program.ts";
import { CommandRunner } from "./runner.ts";
import { versionLine } from "./version.ts";

/** Runs the command line and returns the exit status; never throws, never exits. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const runner = new CommandRunner(io, COMMANDS);
  const jsonErrors = asksForJson(argv);
  const program = buildProgram(runner, versionLine, jsonErrors, commandWord(argv));
  try {
    await program.parseAsync(argv, { from: "user" });
    return runner.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures. Commander has printed a usage error, unless JSON
      // was asked for.
      if (error.exitCode === 0) return 0;
      if (jsonErrors) {
        const message = error.code === "commander.help"
          ? "Missing command; run with --help for usage"
          : error.message.replace(/^error: /, "");
        io.err(JSON.stringify({ error: { code: "invalid_argument", message } }) + "\n");
      }
      return ERROR_CODES.invalid_argument.exit;
    }
    // The global options were parsed before the action ran.
    const { json, format } = program.opts<{ json?: boolean; format?: string }>();
    const wantsJson = json === true || format === "json" || format === "ndjson";
    if (error instanceof DockswapError) {
      const message = runner.speaker.text(error.words);
      io.err(
        wantsJson
          ? JSON.stringify({ error: { code: error.code, message } }) + "\n"
          : `dockswap-db: ${message} [${error.code}]\n`,
      );
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(
      wantsJson
        ? JSON.stringify({ error: { code: "internal", message } }) + "\n"
        : `dockswap-db: internal error: ${message}\nThis is a bug; please report it with the command you ran.\n`,
    );
    return ERROR_CODES.internal.exit;
  }
}

/**
 * Whether the command line asks for JSON (`--json`, `--format json|ndjson`), read from the raw
 * arguments: a usage error stops commander before it has parsed them.
 */
function asksForJson(argv: string[]): boolean {
  let json = false;
  let format: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== "--"; i++) {
    const arg = argv[i];
    if (arg === "--json") json = true;
    else if (arg === "--format") format = argv[++i];
    else if (arg.startsWith("--format=")) format = arg.slice("--format=".length);
  }
  return json || format === "json" || format === "ndjson";
}
