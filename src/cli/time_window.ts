/** `--since` / `--until` of the reporting commands: a time or a duration ago, as epoch ms. */
import { parseTimeBound, TIME_HELP } from "../duration.ts";
import { DockswapError } from "../errors.ts";

/** The instant a `--since`/`--until` value names, in Unix ms; refuses a malformed one clearly. */
export function timeBoundMs(flag: string, value: string, now: string): number {
  if (/^-\d/.test(value)) {
    throw new DockswapError(
      "invalid_argument",
      `${flag}: ${JSON.stringify(value)} is a negative duration; a duration here means ` +
        `"that long ago" (${flag} ${value.slice(1)}), or give ${TIME_HELP}`,
    );
  }
  let time: string | undefined;
  try {
    time = parseTimeBound(value, now);
  } catch (error) {
    if (!(error instanceof DockswapError)) throw error;
    throw new DockswapError("invalid_argument", `${flag}: ${error.message}`);
  }
  if (time === undefined) {
    throw new DockswapError(
      "invalid_argument",
      `${flag}: ${JSON.stringify(value)} is not ${TIME_HELP}`,
    );
  }
  return Date.parse(time);
}
