/**
 * How the Go dockswap's words and times translate to this schema's, for adopting its
 * database. Pure: no database.
 */
import { type DeploymentStatus, type State, STATES } from "./lifecycle.ts";

/** The Go dockswap schema version this tool knows how to adopt. */
export const GO_SCHEMA_VERSION = 202507101010;

/** The only timestamp shape this schema stores. */
const FOUR_DIGIT_YEAR_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A Go timestamp as stored: `2025-07-24 14:32:20.123456789 +0000 UTC` (time.Time.String(),
 * possibly with a ` m=+0.01` monotonic suffix; a zone's name may be numeric, `-0300 -03`, and a
 * zone without one is named by its offset, `+0530 +0530`), SQLite's `2025-07-24 14:32:20` (UTC) or
 * RFC 3339. Converted to UTC ISO-8601 with milliseconds, truncated (never rounded up, so
 * order is kept); undefined when it is none of these.
 */
export function goTimeToIso(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined) return undefined;
  const match =
    /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d:?\d\d)?(?: [A-Za-z][A-Za-z0-9+-]*| [+-]\d\d(?:\d\d)?)?(?: m=[+-][0-9.]+)?$/
      .exec(text.trim());
  if (!match) return undefined;
  const [, date, time, fraction = "", zone = "Z"] = match;
  const ms = (fraction + "000").slice(0, 3);
  const offset = zone === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const instant = Date.parse(`${date}T${time}.${ms}${offset}`);
  if (Number.isNaN(instant)) return undefined;
  const iso = new Date(instant).toISOString();
  // A zone can carry a time past a four-digit year (9999-12-31 23:59 -0100): this schema's
  // timestamps cannot hold it, so it is as unreadable as any other text.
  return FOUR_DIGIT_YEAR_ISO.test(iso) ? iso : undefined;
}

// Re-exported while the adoption still imports it from here; the definition is lifecycle.ts's.
export type { DeploymentStatus };

/**
 * Go deployment status words and the status each becomes. A word not listed becomes
 * `failed` (it ended, and nothing says it succeeded); the original word is kept in
 * `deployments.legacy_status` either way.
 */
export const GO_DEPLOYMENT_STATUS: Readonly<Record<string, DeploymentStatus>> = {
  success: "success",
  succeeded: "success",
  completed: "success",
  active: "success",
  ready: "success",
  deployed: "success",
  stable: "success",
  failed: "failed",
  failure: "failed",
  error: "failed",
  unknown: "failed",
  rolled_back: "rolled_back",
  rollback: "rolled_back",
  deploying: "in_progress",
  in_progress: "in_progress",
  pending: "in_progress",
  starting: "in_progress",
};

/**
 * Go current_state status words with a direct meaning. Any other word (`unknown`, ...) is
 * derived from the app's latest deployment; so is a word that contradicts it (an in-flight
 * word while no deployment is in flight, or the reverse).
 */
export const GO_STATE_STATUS: Readonly<Record<string, State>> = {
  ready: "stable",
  active: "stable",
  stable: "stable",
  success: "stable",
  running: "stable",
  idle: "stable",
  failed: "failed",
  error: "failed",
  deploying: "starting",
  ...Object.fromEntries(STATES.map((s) => [s, s])),
};
