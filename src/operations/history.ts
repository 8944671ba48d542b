import * as z from "zod";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { call, say } from "../words.ts";
import type { State } from "../lifecycle.ts";
import { configById, latestConfig } from "../store/configs.ts";
import { allCurrentStates, currentState } from "../store/current_state.ts";
import { deploymentById, deploymentHistory } from "../store/deployments.ts";
import { eventsOfDeployment } from "../store/events.ts";
import { currentStateRecord } from "../records/current_state.ts";
import { deploymentRecord } from "../records/deployment.ts";
import { type EventRecord, eventRecord } from "../records/event.ts";
import { deploymentStatus, state } from "../records/fields.ts";
import { defineOperation } from "./operation.ts";
import { appName, limit, rowId, timestamp } from "./schemas.ts";

/** Read-only queries of the deployment lifecycle: current state, history, timelines. */

const stateSpan = z.object({
  state,
  entered_at: timestamp,
  left_at: timestamp.nullable().describe("Null while the deployment is still in this state"),
  duration_ms: z.number().nullable().describe("Null while the deployment is still in this state"),
});

/**
 * The states a deployment went through and how long each lasted, read from its events: each
 * event enters its to_state, which lasts until the next event. The final `stable` is the app's
 * state after the deployment, not part of it.
 */
export function stateSpans(events: readonly EventRecord[]): z.infer<typeof stateSpan>[] {
  const spans: z.infer<typeof stateSpan>[] = [];
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

export const stateGet = defineOperation({
  name: "state.get",
  summary: "Current state of one app: what is live and what is happening",
  access: "read",
  params: z.strictObject({ app_name: appName }),
  result: currentStateRecord,
  run(context, params) {
    const current = currentState(context.db, params.app_name);
    if (!current) {
      throw notFound(say`App ${params.app_name} has never deployed; see ${call("state.list")}`);
    }
    return current;
  },
});

export const stateList = defineOperation({
  name: "state.list",
  summary: "Current state of every app that has deployed, sorted by name",
  access: "read",
  params: z.strictObject({}),
  result: z.array(currentStateRecord),
  run(context) {
    return allCurrentStates(context.db);
  },
});

export const deployHistory = defineOperation({
  name: "deploy.history",
  summary: "Deployments of an app, newest first (ties by id), with rollback links (rollback_of)",
  access: "read",
  params: z.strictObject({
    app_name: appName,
    limit: limit.optional(),
    status: deploymentStatus.optional(),
  }),
  result: z.array(deploymentRecord),
  run(context, params) {
    const history = deploymentHistory(context.db, params.app_name, {
      limit: params.limit ?? 1_000_000,
      status: params.status,
    });
    if (history.length === 0) requireKnownApp(context.db, params.app_name);
    return history;
  },
});

export const eventsList = defineOperation({
  name: "events.list",
  summary: "Events of a deployment, oldest first",
  access: "read",
  params: z.strictObject({ deployment_id: rowId }),
  result: z.array(eventRecord),
  run(context, params) {
    if (!deploymentById(context.db, params.deployment_id)) {
      throw notFound(`There is no deployment ${params.deployment_id}`);
    }
    return eventsOfDeployment(context.db, params.deployment_id);
  },
});

export const deployGet = defineOperation({
  name: "deploy.get",
  summary: "One deployment with its config SHA, its events and the time spent in each state",
  access: "read",
  params: z.strictObject({ deployment_id: rowId }),
  result: z.object({
    deployment: deploymentRecord.extend({ config_sha: z.string().nullable() }),
    events: z.array(eventRecord),
    states: z.array(stateSpan),
  }),
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
