/**
 * Delivery statistics (DORA-style measures a local history can compute) per app and overall,
 * from the deployments started in a time window. The definitions are in docs/monitoring.md#stats.
 */
import { z } from "zod";
import { DockswapError } from "../errors.ts";
import { STATES } from "../lifecycle.ts";
import {
  deployedApps,
  deploymentsByEnd,
  eventsInWindow,
  type StatsDeploymentRow,
  type StatsEventRow,
} from "../store/stats.ts";
import { requireKnownApp } from "./history.ts";
import { defineOperation } from "./operation.ts";
import { appName, timestamp } from "./schemas.ts";

const DAY_MS = 86_400_000;
/** The latest instant a JavaScript date can hold, in ms. */
const MAX_EPOCH_MS = 8_640_000_000_000_000;
/** Below every stored timestamp: the window's start when none is given. */
const BEGINNING = "0000-01-01T00:00:00.000Z";

/** The states a deployment spends time in (`stable` is between deployments). */
const TIMED_STATES = STATES.filter((s) => s !== "stable");

const epochMs = z.number().int().min(-62_135_596_800_000).max(MAX_EPOCH_MS);

const ms = z.number().nullable();

const stateMedians = z.object(
  Object.fromEntries(TIMED_STATES.map((s) => [s, ms])) as Record<
    typeof TIMED_STATES[number],
    typeof ms
  >,
).describe("Median time spent in each state (ms), over the state's completed spans");

const appStats = z.object({
  app_name: z.string().nullable().describe("The app; null for the row of all apps"),
  deployments: z.number().describe("Deployments started in the window"),
  in_flight: z.number(),
  ended: z.number(),
  successes: z.number(),
  failures: z.number().describe("Ended failed"),
  rolled_back: z.number().describe("Ended rolled back (automatic rollback)"),
  rollback_deployments: z.number().describe("Started by rollback (rollback_of set)"),
  deployments_per_day: z.number().nullable(),
  change_failure_rate: z.number().nullable().describe("(failures + rolled_back) / ended"),
  restores: z.number().describe("Failure episodes ended by a success"),
  unrestored: z.number().describe("Failure episodes no success has ended yet"),
  mean_time_to_restore_ms: ms,
  median_time_to_restore_ms: ms,
  durations_known: z.number().describe("Ended deployments whose duration is recorded"),
  durations_unknown: z.number().describe("Adopted deployments whose end time was reconstructed"),
  median_duration_ms: ms,
  p95_duration_ms: ms,
  longest_success_streak: z.number().describe("Most consecutive successes (by end time)"),
  median_time_in_state_ms: stateMedians,
});

export type AppStats = z.infer<typeof appStats>;

/**
 * Running aggregates of the deployments of one app, or of all apps, read one at a time in order
 * of end: counts, and only the numbers the medians need (a duration per ended deployment, a time
 * per restore and per completed state span), never the rows.
 */
interface Tally {
  deployments: number;
  inFlight: number;
  successes: number;
  failures: number;
  rolledBack: number;
  rollbackDeployments: number;
  durationsUnknown: number;
  durations: number[];
  streak: number;
  longestStreak: number;
  restores: number;
  unrestored: number;
  restoreTimes: number[];
  stateSpans: Map<string, number[]>;
}

/** An app's tally, and its failure episode not yet ended by a success. */
interface AppTally {
  tally: Tally;
  open?: StatsDeploymentRow;
}

/** Refuses a window that ends before it starts; returns its bounds as stored timestamps. */
export function statsWindow(
  params: { since_ms?: number; until_ms?: number },
  now: string,
): { since: string | null; until: string } {
  // Without an end the window ends now, or is empty when it starts later.
  const until = params.until_ms ?? Math.max(Date.parse(now), params.since_ms ?? -Infinity);
  if (params.since_ms !== undefined && params.since_ms > until) {
    throw new DockswapError(
      "invalid_argument",
      `since_ms (${new Date(params.since_ms).toISOString()}) is after until_ms ` +
        `(${new Date(until).toISOString()}); give a start before the end`,
      { since_ms: params.since_ms, until_ms: until },
    );
  }
  return {
    since: params.since_ms === undefined ? null : new Date(params.since_ms).toISOString(),
    until: new Date(until).toISOString(),
  };
}

export const statsGet = defineOperation({
  name: "stats.get",
  summary: "Delivery statistics (deployment frequency, change failure rate, time to restore, " +
    "durations) per app and overall, for deployments started in a window",
  access: "read",
  params: z.strictObject({
    app_name: appName.optional().describe("Only this app (default: every app)"),
    since_ms: epochMs.optional().describe(
      "Window start, Unix time in ms (inclusive; default: the first deployment)",
    ),
    until_ms: epochMs.optional().describe(
      "Window end, Unix time in ms (exclusive; default: now, or since_ms when later)",
    ),
  }),
  result: z.object({
    since: timestamp.nullable().describe("Window start as given; null: from the first deployment"),
    until: timestamp,
    days: z.number().nullable().describe("Window length in days, for deployments_per_day"),
    overall: appStats,
    apps: z.array(appStats),
  }),
  precheck(params) {
    statsWindow(params, new Date().toISOString());
  },
  run(context, params) {
    const window = statsWindow(params, context.now());
    if (params.app_name !== undefined) requireKnownApp(context.db, params.app_name);
    const since = window.since ?? BEGINNING;
    const apps = params.app_name === undefined ? deployedApps(context.db) : [params.app_name];
    const { tallies, overall, firstStart } = tallyDeployments(
      deploymentsByEnd(context.db, params.app_name ?? null, since, window.until),
      apps,
    );
    const start = window.since ?? firstStart;
    const days = start === undefined
      ? null
      : (Date.parse(window.until) - Date.parse(start)) / DAY_MS;
    // One app's events at a time; once its row is made, only the tally of all keeps its numbers.
    const rows = apps.map((name) => {
      const { tally } = tallies.get(name)!;
      tallies.delete(name);
      const events = eventsInWindow(context.db, name, since, window.until);
      for (const [state, ms] of completedSpans(events)) {
        for (const t of [tally, overall]) t.stateSpans.get(state)?.push(ms);
      }
      return summarise(name, tally, days);
    });
    return {
      since: window.since,
      until: window.until,
      days,
      overall: summarise(null, overall, days),
      apps: rows,
    };
  },
});

/**
 * One pass over the window's deployments in order of end: a tally per app and one of all, and
 * the first start.
 */
function tallyDeployments(deployments: Iterable<StatsDeploymentRow>, apps: string[]) {
  const tallies = new Map<string, AppTally>(apps.map((app) => [app, { tally: newTally() }]));
  const overall = newTally();
  let firstStart: string | undefined;
  for (const d of deployments) {
    if (firstStart === undefined || d.started_at < firstStart) firstStart = d.started_at;
    const app = tallies.get(d.app_name)!;
    count(app.tally, d);
    count(overall, d);
    endEpisode(app, d, overall);
  }
  for (const app of tallies.values()) {
    if (app.open) app.tally.unrestored = 1;
    overall.unrestored += app.tally.unrestored;
  }
  return { tallies, overall, firstStart };
}

function newTally(): Tally {
  return {
    deployments: 0,
    inFlight: 0,
    successes: 0,
    failures: 0,
    rolledBack: 0,
    rollbackDeployments: 0,
    durationsUnknown: 0,
    durations: [],
    streak: 0,
    longestStreak: 0,
    restores: 0,
    unrestored: 0,
    restoreTimes: [],
    stateSpans: new Map(TIMED_STATES.map((s) => [s, []])),
  };
}

/** Adds a deployment, given in order of end (those in flight first), to a tally. */
function count(t: Tally, d: StatsDeploymentRow): void {
  t.deployments++;
  if (d.rollback_of !== null) t.rollbackDeployments++;
  if (d.ended_at === null) {
    t.inFlight++;
    return;
  }
  if (d.status === "success") t.successes++;
  else if (d.status === "failed") t.failures++;
  else if (d.status === "rolled_back") t.rolledBack++;
  if (d.end_recorded) t.durations.push(Date.parse(d.ended_at) - Date.parse(d.started_at));
  else t.durationsUnknown++;
  t.streak = d.status === "success" ? t.streak + 1 : 0;
  t.longestStreak = Math.max(t.longestStreak, t.streak);
}

/**
 * An app's failure episodes, its ended deployments taken in order of end: an episode starts at
 * the first failed or rolled-back deployment after a success and ends at the next success; its
 * time is from the first one's end to the success's end. Restores count for the app and overall.
 */
function endEpisode(app: AppTally, d: StatsDeploymentRow, overall: Tally): void {
  if (d.ended_at === null) return;
  if (d.status !== "success") {
    app.open ??= d;
    return;
  }
  const open = app.open;
  if (!open) return;
  app.open = undefined;
  for (const t of [app.tally, overall]) {
    t.restores++;
    if (open.end_recorded && d.end_recorded) {
      t.restoreTimes.push(Date.parse(d.ended_at) - Date.parse(open.ended_at!));
    }
  }
}

/**
 * Completed time in each state: each event enters its to_state, which lasts until the deployment's
 * next event; an event that left the state as it was (adopted history) does not end it. A state
 * not yet left (in flight, or failed and not recovered) has no completed span.
 */
function* completedSpans(events: Iterable<StatsEventRow>): Generator<[string, number]> {
  let entered: StatsEventRow | undefined;
  for (const event of events) {
    if (entered && entered.deployment_id === event.deployment_id) {
      if (event.to_state === entered.to_state) continue;
      yield [entered.to_state, Date.parse(event.created_at) - Date.parse(entered.created_at)];
    }
    entered = event;
  }
}

function summarise(app: string | null, t: Tally, days: number | null): AppStats {
  const ended = t.deployments - t.inFlight;
  return {
    app_name: app,
    deployments: t.deployments,
    in_flight: t.inFlight,
    ended,
    successes: t.successes,
    failures: t.failures,
    rolled_back: t.rolledBack,
    rollback_deployments: t.rollbackDeployments,
    deployments_per_day: days === null || days <= 0 ? null : t.deployments / days,
    change_failure_rate: ended === 0 ? null : (t.failures + t.rolledBack) / ended,
    restores: t.restores,
    unrestored: t.unrestored,
    mean_time_to_restore_ms: t.restoreTimes.length === 0
      ? null
      : sum(t.restoreTimes) / t.restoreTimes.length,
    median_time_to_restore_ms: median(t.restoreTimes),
    durations_known: t.durations.length,
    durations_unknown: t.durationsUnknown,
    median_duration_ms: median(t.durations),
    p95_duration_ms: nearestRank(t.durations, 0.95),
    longest_success_streak: t.longestStreak,
    median_time_in_state_ms: Object.fromEntries(
      TIMED_STATES.map((s) => [s, median(t.stateSpans.get(s) ?? [])]),
    ) as AppStats["median_time_in_state_ms"],
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The middle value, or the mean of the two middle values; null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank percentile: the value at rank ceil(p × n) in ascending order; null for none. */
export function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
}
