/**
 * Delivery statistics (DORA-style measures a local history can compute) per app and overall,
 * from the deployments started in a time window. The definitions are in docs/monitoring.md#stats.
 */
import { z } from "zod";
import { DockswapError } from "../errors.ts";
import { STATES } from "../lifecycle.ts";
import {
  deployedApps,
  deploymentsInWindow,
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

/** What one app's rows contribute; the overall row pools these. */
interface Measures {
  deployments: StatsDeploymentRow[];
  restoreTimes: number[];
  restores: number;
  unrestored: number;
  stateSpans: Map<string, number[]>;
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
    const apps = params.app_name === undefined ? deployedApps(context.db) : [params.app_name];
    const measured = apps.map((app) => {
      const deployments = deploymentsInWindow(
        context.db,
        app,
        window.since ?? BEGINNING,
        window.until,
      );
      const events = eventsInWindow(context.db, app, window.since ?? BEGINNING, window.until);
      return { app, measures: measure(deployments, events) };
    });
    const firstStart = measured.flatMap((m) => m.measures.deployments.map((d) => d.started_at))
      .sort()[0];
    const start = window.since ?? firstStart;
    const days = start === undefined
      ? null
      : (Date.parse(window.until) - Date.parse(start)) / DAY_MS;
    const pooled: Measures = {
      deployments: measured.flatMap((m) => m.measures.deployments),
      restoreTimes: measured.flatMap((m) => m.measures.restoreTimes),
      restores: sum(measured.map((m) => m.measures.restores)),
      unrestored: sum(measured.map((m) => m.measures.unrestored)),
      stateSpans: new Map(
        TIMED_STATES.map((s) => [s, measured.flatMap((m) => m.measures.stateSpans.get(s) ?? [])]),
      ),
    };
    return {
      since: window.since,
      until: window.until,
      days,
      overall: summarise(null, pooled, days),
      apps: measured.map((m) => summarise(m.app, m.measures, days)),
    };
  },
});

/** One app's failure episodes and state spans, from its deployments and events. */
function measure(deployments: StatsDeploymentRow[], events: StatsEventRow[]): Measures {
  const restoreTimes: number[] = [];
  let restores = 0;
  // An episode starts at the first failed or rolled-back deployment after a success and ends
  // at the next success; its time is from the first one's end to the success's end.
  let open: StatsDeploymentRow | undefined;
  for (const d of byEnd(deployments)) {
    if (d.status === "success") {
      if (open) {
        restores++;
        if (open.end_recorded && d.end_recorded) {
          restoreTimes.push(Date.parse(d.ended_at!) - Date.parse(open.ended_at!));
        }
      }
      open = undefined;
    } else if (!open) {
      open = d;
    }
  }
  return {
    deployments,
    restoreTimes,
    restores,
    unrestored: open ? 1 : 0,
    stateSpans: spansByState(events),
  };
}

/**
 * Completed time in each state: each event enters its to_state, which lasts until the deployment's
 * next event; an event that left the state as it was (adopted history) does not end it. A state
 * not yet left (in flight, or failed and not recovered) has no completed span.
 */
function spansByState(events: StatsEventRow[]): Map<string, number[]> {
  const spans = new Map<string, number[]>(TIMED_STATES.map((s) => [s, []]));
  let entered: StatsEventRow | undefined;
  for (const event of events) {
    if (entered && entered.deployment_id === event.deployment_id) {
      if (event.to_state === entered.to_state) continue;
      spans.get(entered.to_state)?.push(
        Date.parse(event.created_at) - Date.parse(entered.created_at),
      );
    }
    entered = event;
  }
  return spans;
}

function summarise(app: string | null, m: Measures, days: number | null): AppStats {
  const ended = byEnd(m.deployments);
  const count = (status: string) => ended.filter((d) => d.status === status).length;
  const failures = count("failed");
  const rolledBack = count("rolled_back");
  const durations = ended.filter((d) => d.end_recorded)
    .map((d) => Date.parse(d.ended_at!) - Date.parse(d.started_at));
  let streak = 0;
  let longest = 0;
  for (const d of ended) {
    streak = d.status === "success" ? streak + 1 : 0;
    longest = Math.max(longest, streak);
  }
  return {
    app_name: app,
    deployments: m.deployments.length,
    in_flight: m.deployments.length - ended.length,
    ended: ended.length,
    successes: count("success"),
    failures,
    rolled_back: rolledBack,
    rollback_deployments: m.deployments.filter((d) => d.rollback_of !== null).length,
    deployments_per_day: days === null || days <= 0 ? null : m.deployments.length / days,
    change_failure_rate: ended.length === 0 ? null : (failures + rolledBack) / ended.length,
    restores: m.restores,
    unrestored: m.unrestored,
    mean_time_to_restore_ms: m.restoreTimes.length === 0
      ? null
      : sum(m.restoreTimes) / m.restoreTimes.length,
    median_time_to_restore_ms: median(m.restoreTimes),
    durations_known: durations.length,
    durations_unknown: ended.length - durations.length,
    median_duration_ms: median(durations),
    p95_duration_ms: nearestRank(durations, 0.95),
    longest_success_streak: longest,
    median_time_in_state_ms: Object.fromEntries(
      TIMED_STATES.map((s) => [s, median(m.stateSpans.get(s) ?? [])]),
    ) as AppStats["median_time_in_state_ms"],
  };
}

/** Ended deployments ordered by end time, then id. */
function byEnd(deployments: StatsDeploymentRow[]): StatsDeploymentRow[] {
  return deployments.filter((d) => d.ended_at !== null).sort((a, b) =>
    a.ended_at! < b.ended_at! ? -1 : a.ended_at! > b.ended_at! ? 1 : a.id - b.id
  );
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
