/**
 * Delivery statistics (DORA-style measures a local history can compute) per app and overall,
 * from the deployments started in a time window. The definitions are in docs/monitoring.md#stats.
 */
import * as z from "zod";
import { DockswapError } from "../errors.ts";
import { STATES } from "../lifecycle.ts";
import type { Database } from "../db/database.ts";
import {
  allDurations,
  allStateSpans,
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
 * of end: counts, and per app the numbers its medians are taken from (a duration per ended
 * deployment and a time per completed state span), never the rows. The tally of all apps counts
 * those (SQLite sorts them for its medians) and keeps only the times to restore, one per failure
 * episode.
 */
interface Tally {
  deployments: number;
  inFlight: number;
  successes: number;
  failures: number;
  rolledBack: number;
  rollbackDeployments: number;
  durationsKnown: number;
  durationsUnknown: number;
  streak: number;
  longestStreak: number;
  restores: number;
  unrestored: number;
  restoreTimes: number[];
  spanCounts: Map<string, number>;
  /** null in the tally of all apps. */
  numbers: { durations: number[]; stateSpans: Map<string, number[]> } | null;
}

/** The medians (and the duration's 95th percentile) of a tally's numbers. */
interface Medians {
  duration: number | null;
  p95Duration: number | null;
  states: AppStats["median_time_in_state_ms"];
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
    // One app's events at a time: its numbers are dropped once its row is made.
    const rows = apps.map((name) => {
      const { tally } = tallies.get(name)!;
      tallies.delete(name);
      const events = eventsInWindow(context.db, name, since, window.until);
      for (const [state, ms] of completedSpans(events)) {
        if (!tally.numbers!.stateSpans.has(state)) continue;
        tally.numbers!.stateSpans.get(state)!.push(ms);
        for (const t of [tally, overall]) t.spanCounts.set(state, t.spanCounts.get(state)! + 1);
      }
      return summarise(name, tally, days, mediansOf(tally.numbers!));
    });
    return {
      since: window.since,
      until: window.until,
      days,
      // One app's row is the row of all; for all apps, SQLite sorts the numbers of every app.
      overall: params.app_name === undefined
        ? summarise(null, overall, days, overallMedians(context.db, since, window.until, overall))
        : { ...rows[0], app_name: null },
      apps: rows,
    };
  },
});

/**
 * One pass over the window's deployments in order of end: a tally per app and one of all, and
 * the first start.
 */
function tallyDeployments(deployments: Iterable<StatsDeploymentRow>, apps: string[]) {
  const tallies = new Map<string, AppTally>(apps.map((app) => [app, { tally: newTally(true) }]));
  const overall = newTally(false);
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

function newTally(keepsNumbers: boolean): Tally {
  return {
    deployments: 0,
    inFlight: 0,
    successes: 0,
    failures: 0,
    rolledBack: 0,
    rollbackDeployments: 0,
    durationsKnown: 0,
    durationsUnknown: 0,
    streak: 0,
    longestStreak: 0,
    restores: 0,
    unrestored: 0,
    restoreTimes: [],
    spanCounts: new Map(TIMED_STATES.map((s) => [s, 0])),
    numbers: keepsNumbers
      ? { durations: [], stateSpans: new Map(TIMED_STATES.map((s) => [s, []])) }
      : null,
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
  if (d.end_recorded) {
    t.durationsKnown++;
    t.numbers?.durations.push(Date.parse(d.ended_at) - Date.parse(d.started_at));
  } else {
    t.durationsUnknown++;
  }
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

function summarise(
  app: string | null,
  t: Tally,
  days: number | null,
  medians: Medians,
): AppStats {
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
    durations_known: t.durationsKnown,
    durations_unknown: t.durationsUnknown,
    median_duration_ms: medians.duration,
    p95_duration_ms: medians.p95Duration,
    longest_success_streak: t.longestStreak,
    median_time_in_state_ms: medians.states,
  };
}

/** An app's medians, from its numbers. */
function mediansOf(numbers: NonNullable<Tally["numbers"]>): Medians {
  return {
    duration: median(numbers.durations),
    p95Duration: nearestRank(numbers.durations, 0.95),
    states: Object.fromEntries(
      TIMED_STATES.map((s) => [s, median(numbers.stateSpans.get(s)!)]),
    ) as Medians["states"],
  };
}

/**
 * The medians of all apps, read off their numbers as SQLite sorts them; the tally's counts say
 * which ranks to read (and must agree with what SQLite returns).
 */
function overallMedians(db: Database, since: string, until: string, overall: Tally): Medians {
  const durations = new SortedPick(overall.durationsKnown);
  for (const ms of allDurations(db, since, until)) durations.add(ms);
  durations.finish("durations");
  const states = new Map<string, SortedPick>(
    TIMED_STATES.map((s) => [s, new SortedPick(overall.spanCounts.get(s)!)]),
  );
  for (const { state, ms } of allStateSpans(db, since, until)) states.get(state)?.add(ms);
  for (const [state, pick] of states) pick.finish(`${state} spans`);
  return {
    duration: durations.median,
    p95Duration: durations.p95,
    states: Object.fromEntries(
      [...states].map(([s, pick]) => [s, pick.median]),
    ) as Medians["states"],
  };
}

/** The median and the nearest-rank 95th percentile of n values given in ascending order. */
class SortedPick {
  median: number | null = null;
  p95: number | null = null;
  #seen = 0;
  #below = 0;

  constructor(readonly n: number) {}

  add(value: number): void {
    const rank = this.#seen++;
    const middle = this.n >> 1;
    if (rank === middle - 1) this.#below = value;
    if (rank === middle) this.median = this.n % 2 === 1 ? value : (this.#below + value) / 2;
    if (rank === Math.max(1, Math.ceil(0.95 * this.n)) - 1) this.p95 = value;
  }

  /** Throws when the values were not the n counted (a query out of step with the tally). */
  finish(what: string): void {
    if (this.#seen !== this.n) {
      throw new Error(`stats: SQLite gave ${this.#seen} ${what}, the tally counted ${this.n}`);
    }
  }
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
