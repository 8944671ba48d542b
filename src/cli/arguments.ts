import { InvalidArgumentError } from "commander";

/** Commander parser for ids and counts: a positive decimal integer, nothing else. */
export function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("must be a positive integer.");
  }
  return Number(value);
}
