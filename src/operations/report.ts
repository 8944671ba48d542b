/**
 * What `report` shows, as data: the apps (lanes) with what is live, each app's deployments in the
 * range with their state segments and rollback targets, the failures with their error texts, and
 * each deployment's events. Read lazily, a deployment at a time, so a page of any length is
 * written in constant memory; consume it inside one read snapshot (`Database.readSnapshot`).
 * How it looks is the caller's business (the CLI writes HTML).
 */
import type { Database } from "../db/database.ts";
import { DockswapError } from "../errors.ts";
import type { State } from "../lifecycle.ts";
import { allCurrentStates, currentState } from "../store/current_state.ts";
import type { DeploymentRecord } from "../records/deployment.ts";
import { deploymentById } from "../store/deployments.ts";
import type { EventRecord } from "../records/event.ts";
import { eventsOfDeployment } from "../store/events.ts";
import {
  countDeploymentsInRange,
  deploymentsInRange,
  errorsOfDeployment,
  type EventError,
  failuresInRange,
  type TimeRange,
} from "../store/report.ts";
import { requireKnownApp, stateSpans } from "./history.ts";

export type { TimeRange } from "../store/report.ts";

/** What to report on: a range, and all apps or some. */
export interface ReportRequest extends TimeRange {
  /** Only these apps (each must be known); all apps that ever deployed when absent or empty. */
  apps?: readonly string[];
}

/** One lane of the timeline: an app, what serves its traffic now, and its count in range. */
export interface ReportLane {
  app_name: string;
  /** The app's state now; null for an app with configs but no deployment yet. */
  status: State | null;
  live_color: "blue" | "green" | null;
  live_image: string | null;
  /** Deployments started in the range. */
  deployments: number;
}

/** A stretch of a deployment in one state, cut to the deployment's own span. */
export interface StateSegment {
  state: State;
  entered_at: string;
  /** Null while the deployment is still in this state. */
  left_at: string | null;
}

/** The deployment a rollback went back to (`started_at` and `image` null when it is missing). */
export interface RollbackTarget {
  id: number;
  started_at: string | null;
  image: string | null;
}

/** A deployment as the timeline draws it. */
export interface TimelineDeployment {
  deployment: DeploymentRecord;
  segments: StateSegment[];
  rollback_target: RollbackTarget | null;
}

/** A deployment that failed or rolled back, with every error text its events carry. */
export interface ReportFailure {
  deployment: DeploymentRecord;
  errors: EventError[];
}

/** A deployment with all its events, oldest first. */
export interface DeploymentEvents {
  deployment: DeploymentRecord;
  events: EventRecord[];
  rollback_target: RollbackTarget | null;
}

/** The report's data: lanes up front (one row per app), the rest read as it is consumed. */
export interface ReportData {
  range: TimeRange;
  lanes: ReportLane[];
  /** Deployments started in the range. */
  total: number;
  /** A lane's deployments, oldest first. */
  timeline(lane: ReportLane): Generator<TimelineDeployment>;
  /** Failed and rolled-back deployments, app by app (as the lanes), oldest first in each. */
  failures(): Generator<ReportFailure>;
  /** Every deployment in the range with its events, app by app, oldest first in each. */
  events(): Generator<DeploymentEvents>;
}

/**
 * Opens a report on `db`: checks the range and the apps and reads the lanes. Refuses a range
 * that is empty or reversed (`invalid_argument`) and an app nothing is recorded of (`not_found`).
 */
export function readReport(db: Database, request: ReportRequest): ReportData {
  const range: TimeRange = { since: request.since, until: request.until };
  if (!(Date.parse(range.since) < Date.parse(range.until))) {
    throw new DockswapError(
      "invalid_argument",
      `The report's range is empty: it starts at ${range.since} and ends at ${range.until}; ` +
        "its start must come before its end",
      { since: range.since, until: range.until },
    );
  }
  const lanes = lanesOf(db, request.apps ?? [], range);
  return {
    range,
    lanes,
    total: lanes.reduce((sum, lane) => sum + lane.deployments, 0),
    *timeline(lane) {
      for (const deployment of deploymentsInRange(db, lane.app_name, range)) {
        yield {
          deployment,
          segments: segmentsOf(deployment, eventsOfDeployment(db, deployment.id)),
          rollback_target: rollbackTarget(db, deployment),
        };
      }
    },
    *failures() {
      for (const lane of lanes) {
        for (const deployment of failuresInRange(db, lane.app_name, range)) {
          yield { deployment, errors: errorsOfDeployment(db, deployment.id) };
        }
      }
    },
    *events() {
      for (const lane of lanes) {
        for (const deployment of deploymentsInRange(db, lane.app_name, range)) {
          yield {
            deployment,
            events: eventsOfDeployment(db, deployment.id),
            rollback_target: rollbackTarget(db, deployment),
          };
        }
      }
    },
  };
}

/** The lanes: the apps asked for (each known, in the order given, once), else every app. */
function lanesOf(db: Database, apps: readonly string[], range: TimeRange): ReportLane[] {
  if (apps.length === 0) {
    return allCurrentStates(db).map((state) => ({
      app_name: state.app_name,
      status: state.status,
      live_color: state.active_color,
      live_image: state.image,
      deployments: countDeploymentsInRange(db, state.app_name, range),
    }));
  }
  return [...new Set(apps)].map((app) => {
    const state = currentState(db, app);
    if (state === undefined) requireKnownApp(db, app);
    return {
      app_name: app,
      status: state?.status ?? null,
      live_color: state?.active_color ?? null,
      live_image: state?.image ?? null,
      deployments: countDeploymentsInRange(db, app, range),
    };
  });
}

/**
 * The states a deployment went through while it ran (from its start to its end, or on while in
 * flight): the `failed` an app stays in after a failed deployment is the app's, not the
 * deployment's, as is the `stable` it returns to.
 */
function segmentsOf(deployment: DeploymentRecord, events: EventRecord[]): StateSegment[] {
  const end = deployment.ended_at;
  const segments: StateSegment[] = [];
  for (const span of stateSpans(events)) {
    if (end !== null && span.entered_at >= end) break;
    const left = span.left_at === null
      ? end
      : end !== null && span.left_at > end
      ? end
      : span.left_at;
    segments.push({ state: span.state, entered_at: span.entered_at, left_at: left });
  }
  return segments;
}

function rollbackTarget(db: Database, deployment: DeploymentRecord): RollbackTarget | null {
  if (deployment.rollback_of === null) return null;
  // Only an edit outside dockswap-db (foreign keys off) leaves a dangling link (doctor names it);
  // the page still shows the rest.
  const target = deploymentById(db, deployment.rollback_of);
  return {
    id: deployment.rollback_of,
    started_at: target?.started_at ?? null,
    image: target?.image ?? null,
  };
}
