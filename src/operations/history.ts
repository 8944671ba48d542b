/**
 * Read-only queries of the deployment lifecycle: current state, history, timelines. Their
 * schemas are in history_schemas.ts, loaded only when a caller validates or describes them: a
 * `status` whose params pass the quick check loads no validator.
 */
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { call, say } from "../words.ts";
import type { State } from "../lifecycle.ts";
import { configById, latestConfig } from "../store/configs.ts";
import { allCurrentStates, currentState } from "../store/current_state.ts";
import { deploymentById, deploymentHistory } from "../store/deployments.ts";
import { eventsOfDeployment } from "../store/events.ts";
import { CURRENT_STATE_RECORD_COLUMNS } from "../records/current_state.ts";
import { DEPLOYMENT_RECORD_COLUMNS } from "../records/deployment.ts";
import { EVENT_COLUMNS, type EventRecord } from "../records/event.ts";
import { DEPLOYMENT_STATUSES } from "../lifecycle.ts";
import { defineDeferredOperation } from "./operation.ts";
import { isAppName, isRowId, MOST_ROWS, quickCheckOf } from "./quick_params.ts";
import type { StateSpan } from "./history_schemas.ts";

/** The schemas of these reads, loaded when first needed. */
const schemas = () => import("./history_schemas.ts");

/**
 * The states a deployment went through and how long each lasted, read from its events: each
 * event enters its to_state, which lasts until the next event. The final `stable` is the app's
 * state after the deployment, not part of it.
 */
export function stateSpans(events: readonly EventRecord[]): StateSpan[] {
  const spans: StateSpan[] = [];
  events.forEach((event, i) => {
    const next = events[i + 1];
    const entered: State = event.to_state;
    if (!next && entered === "stable") return;
    const left = next?.created_at ?? null;
    spans.push({
      state: entered,
      entered_at: event.created_at,
      left_at: left,
      duration_ms: left === null ? null : Date.parse(left) - Date.parse(event.created_at),
    });
  });
  return spans;
}

/**
 * Refuses an app nothing was ever recorded of: its empty history is far more likely a mistyped
 * name than an answer. An app with configs but no deployment yet has an empty history.
 */
export function requireKnownApp(db: Database, app: string): void {
  if (!currentState(db, app) && !latestConfig(db, app)) {
    throw notFound(say`Nothing is recorded for app ${app}; see ${call("state.list")} for the apps`);
  }
}

export const stateGet = defineDeferredOperation({
  name: "state.get",
  summary: "Current state of one app: what is live and what is happening",
  access: "read",
  schemas: () => schemas().then((s) => s.STATE_GET),
  quickParams: quickCheckOf(["app_name"], (p) => isAppName(p.app_name)),
  run(context, params) {
    const current = currentState(context.db, params.app_name);
    if (!current) {
      throw notFound(say`App ${params.app_name} has never deployed; see ${call("state.list")}`);
    }
    return current;
  },
});

export const stateList = defineDeferredOperation({
  name: "state.list",
  summary: "Current state of every app that has deployed, sorted by name",
  access: "read",
  schemas: () => schemas().then((s) => s.STATE_LIST),
  quickParams: quickCheckOf([], () => true),
  rowColumns: CURRENT_STATE_RECORD_COLUMNS,
  run(context) {
    return allCurrentStates(context.db);
  },
});

export const deployHistory = defineDeferredOperation({
  name: "deploy.history",
  summary: "Deployments of an app, newest first (ties by id), with rollback links (rollback_of)",
  access: "read",
  schemas: () => schemas().then((s) => s.DEPLOY_HISTORY),
  quickParams: quickCheckOf(
    ["app_name", "limit", "status"],
    (p) =>
      isAppName(p.app_name) &&
      (p.limit === undefined || (isRowId(p.limit) && p.limit <= MOST_ROWS)) &&
      (p.status === undefined || (DEPLOYMENT_STATUSES as readonly unknown[]).includes(p.status)),
  ),
  rowColumns: DEPLOYMENT_RECORD_COLUMNS,
  run(context, params) {
    const history = deploymentHistory(context.db, params.app_name, {
      limit: params.limit ?? MOST_ROWS,
      status: params.status,
    });
    if (history.length === 0) requireKnownApp(context.db, params.app_name);
    return history;
  },
});

export const eventsList = defineDeferredOperation({
  name: "events.list",
  summary: "Events of a deployment, oldest first",
  access: "read",
  schemas: () => schemas().then((s) => s.EVENTS_LIST),
  quickParams: quickCheckOf(["deployment_id"], (p) => isRowId(p.deployment_id)),
  rowColumns: EVENT_COLUMNS,
  run(context, params) {
    if (!deploymentById(context.db, params.deployment_id)) {
      throw notFound(`There is no deployment ${params.deployment_id}`);
    }
    return eventsOfDeployment(context.db, params.deployment_id);
  },
});

export const deployGet = defineDeferredOperation({
  name: "deploy.get",
  summary: "One deployment with its config SHA, its events and the time spent in each state",
  access: "read",
  schemas: () => schemas().then((s) => s.DEPLOY_GET),
  quickParams: quickCheckOf(["deployment_id"], (p) => isRowId(p.deployment_id)),
  run(context, params) {
    const deployment = deploymentById(context.db, params.deployment_id);
    if (!deployment) throw notFound(`There is no deployment ${params.deployment_id}`);
    const config = deployment.config_id === null
      ? undefined
      : configById(context.db, deployment.config_id);
    const events = eventsOfDeployment(context.db, deployment.id);
    return {
      deployment: { ...deployment, config_sha: config?.config_sha ?? null },
      events,
      states: stateSpans(events),
    };
  },
});
