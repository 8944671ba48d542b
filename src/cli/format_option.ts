/**
 * `--format` is a global option (before or after the command), but the words it accepts are the
 * command's: the renderers' (table, json, ndjson, csv) for most, its own list for a command that
 * declares its own `--format` (export). Commander hands the word to the program's option wherever
 * it stands, so that option only records it; `applyFormat`, before the action, holds it to the
 * list of the command being run and gives a command with its own `--format` its value.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { ERROR_CODES } from "../errors.ts";
import { oneOf } from "./arguments.ts";
import { FORMATS } from "./output.ts";

const RENDERER_FORMAT = oneOf(FORMATS);

/** The program's --format: its help lists the renderers' formats; any word is recorded. */
export function globalFormatOption(): Option {
  return new Option(
    "--format <format>",
    "output format (export has its own list: see export --help)",
  ).choices(FORMATS).argParser((value: string) => value).default("table");
}

/**
 * Checks the --format word (or --json) against the command being run, and sets a command's own
 * --format from it. A word the command does not accept is a usage error, as commander words one.
 */
export function applyFormat(action: Command): void {
  let root = action;
  while (root.parent) root = root.parent;
  const { format, json } = root.opts<{ format: string; json?: boolean }>();
  const given = root.getOptionValueSource("format") !== "default";
  const own = action.options.find((option) => option.long === "--format");
  const option = own ?? root.options.find((o) => o.long === "--format")!;
  const parse = own?.parseArg ?? RENDERER_FORMAT;
  const word = given ? format : json ? "json" : undefined;
  if (word === undefined) return;
  let value: unknown;
  try {
    value = parse(word, undefined);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    action.error(
      `error: option '${option.flags}' argument '${word}' is invalid. ${error.message}`,
      {
        exitCode: ERROR_CODES.invalid_argument.exit,
        code: "commander.invalidArgument",
      },
    );
  }
  if (own) action.setOptionValueWithSource(own.attributeName(), value, "cli");
}
