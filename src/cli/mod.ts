import { CommanderError } from "commander";
import { DockswapError, ERROR_CODES } from "../errors.ts";
import type { CliIo } from "./io.ts";
import { buildProgram } from "./program.ts";
import { sqliteVersion } from "../db/database.ts";
import { SCHEMA_VERSION } from "../db/identity.ts";
import { VERSION } from "../version.ts";
import { CommandRunner } from "./runner.ts";

/** `--version`: the tool, the newest schema it knows and the SQLite it links. */
function versionLine(): string {
  return `dockswap-db ${VERSION} (schema ${SCHEMA_VERSION}, SQLite ${sqliteVersion()})`;
}

/** Runs the command line and returns the exit status; never throws, never exits. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const runner = new CommandRunner(io);
  const program = buildProgram(runner, versionLine);
  try {
    await program.parseAsync(argv, { from: "user" });
    return runner.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message; help and version are not failures.
      return error.exitCode === 0 ? 0 : ERROR_CODES.invalid_argument.exit;
    }
    // The global options were parsed before the action ran.
    const { json, format } = program.opts<{ json?: boolean; format?: string }>();
    const wantsJson = json === true || format === "json" || format === "ndjson";
    if (error instanceof DockswapError) {
      io.err(
        wantsJson
          ? JSON.stringify({ error: { code: error.code, message: error.message } }) + "\n"
          : `dockswap-db: ${error.message} [${error.code}]\n`,
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
