/** Durations (`90m`, `36h`, `30d`, `1h30m`) and time bounds for --since/--until, --older-than. */

import { DockswapError } from "./errors.ts";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const ISO_TIME = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d:?\d\d)?)?$/;

/** The forms parseTimeBound reads, as one pattern (for a schema; the date must also exist). */
export const TIME_BOUND_PATTERN = new RegExp(
  `^(?:${DURATION.source.slice(1, -1)}|${ISO_TIME.source.slice(1, -1)})$`,
);

/**
 * The longest duration accepted: 100 years. "Now minus a duration" must stay a real date; much
 * longer ones overflow JavaScript dates (year 275760) or mean a typo.
 */
export const MAX_DURATION_MS = 36_500 * UNIT_MS.d;

/** MAX_DURATION_MS as people write it. */
export const MAX_DURATION_TEXT = "36500d (100 years)";

/**
 * Milliseconds of a duration such as `45s`, `90m`, `36h`, `30d`, `2w` or `1h30m`; undefined if
 * malformed or zero. Throws `invalid_argument` when longer than MAX_DURATION_MS.
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) {
    total += Number(amount) * UNIT_MS[unit];
  }
  if (total > MAX_DURATION_MS) {
    throw new DockswapError(
      "invalid_argument",
      `Duration ${
        JSON.stringify(text.slice(0, 40))
      } is longer than the maximum, ${MAX_DURATION_TEXT}`,
    );
  }
  return total > 0 ? total : undefined;
}

/** The accepted spellings, for error messages and --help. */
export const DURATION_HELP = "a duration like 45s, 90m, 36h, 30d, 2w or 1h30m";
export const TIME_HELP =
  "an ISO-8601 time (2026-11-28, 2026-11-28T03:00:00Z; no offset means UTC) or a duration ago (24h)";

/**
 * A point in time as stored (UTC ISO-8601 with ms): an ISO date or date-time (UTC unless it
 * names an offset), or a duration meaning "that long before now". Undefined if malformed.
 */
export function parseTimeBound(text: string, now: string): string | undefined {
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(Date.parse(now) - ago).toISOString();
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const [, date, time = "00:00:00", zone = "Z"] = match;
  const ms = Date.parse(`${date}T${time}${zone}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
