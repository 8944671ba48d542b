import { InvalidArgumentError } from "commander";
import { DURATION_HELP, MAX_DURATION_TEXT, parseDuration } from "../duration.ts";
import { DockswapError } from "../errors.ts";
import { didYouMean } from "../similar_words.ts";

/** Commander parser for ids and counts: a positive decimal integer, nothing else. */
export function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError("must be a positive integer.");
  if (!Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`must be at most ${Number.MAX_SAFE_INTEGER}.`);
  }
  return Number(value);
}

/** Commander parser for an id to start after: 0 or a positive decimal integer. */
export function nonNegativeInteger(value: string): number {
  if (value === "0") return 0;
  try {
    return positiveInteger(value);
  } catch {
    throw new InvalidArgumentError(`must be 0 or a positive integer (an event id).`);
  }
}

/** Commander parser for file paths: an empty one is an unset variable, not a file name. */
export function filePath(value: string): string {
  if (value === "") {
    throw new InvalidArgumentError("must not be empty (an unset variable?); give a file path.");
  }
  return value;
}

/**
 * Commander parser for an option given `.choices(values)` (which lists them in help): a mistyped
 * value gets a "did you mean", as a mistyped command or event does.
 */
export function oneOf(values: readonly string[]): (value: string) => string {
  return (value) => {
    if (values.includes(value)) return value;
    throw new InvalidArgumentError(
      `Allowed choices are ${values.join(", ")}${didYouMean(value, values)}.`,
    );
  };
}

/** Commander parser for durations (`90m`, `30d`): milliseconds, at most MAX_DURATION_MS. */
export function durationArgument(value: string): number {
  let ms: number | undefined;
  try {
    ms = parseDuration(value);
  } catch (error) {
    if (!(error instanceof DockswapError)) throw error;
    throw new InvalidArgumentError(`must be at most ${MAX_DURATION_TEXT}.`);
  }
  if (ms === undefined) throw new InvalidArgumentError(`must be ${DURATION_HELP}.`);
  return ms;
}
