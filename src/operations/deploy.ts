import * as z from "zod";
import { DockswapError, notFound } from "../errors.ts";
import { call, type Hint, param, say } from "../words.ts";
import {
  acceptedEvents,
  type EventType,
  isInFlight,
  nextState,
  outcomeOf,
  recordableEvents,
  RECOVERY_EVENT,
  recoveryFrom,
  START_EVENT,
  type State,
  TRAFFIC_EVENT,
} from "../lifecycle.ts";
import { type Color, COLORS, isColor, otherColor } from "../color.ts";
import type { ConfigRecord } from "../records/config.ts";
import type { CurrentStateRecord } from "../records/current_state.ts";
import type { DeploymentRecord } from "../records/deployment.ts";
import type { EventRecord } from "../records/event.ts";
import type { JsonValue } from "../records/fields.ts";
import {
  color,
  configSummary,
  currentStateRecord,
  deploymentRecord,
  eventRecord,
} from "../records/schemas.ts";
import { summarize } from "../store/configs.ts";
import { currentState, insertCurrentState, updateCurrentState } from "../store/current_state.ts";
import { currentDeployment, deploymentWithState } from "../store/current_deployment.ts";
import {
  deploymentById,
  endDeployment,
  insertDeployment,
  lastSuccessfulDeployment,
} from "../store/deployments.ts";
import { insertEvent } from "../store/events.ts";
import { liveDeploymentId } from "../store/live.ts";
import {
  addConfig,
  configOfApp,
  MAX_CONFIG_BYTES,
  parseForApp,
  requireLatestConfig,
} from "./config.ts";
import {
  image,
  IMAGE_PATTERN,
  MAX_IMAGE_LENGTH,
  recordableEventType,
} from "./lifecycle_schemas.ts";
import { isAppName, isExactJson, isRowId, isStoredText, quickCheck } from "./quick_params.ts";
import { defineOperation, type OperationContext } from "./operation.ts";
import { appName, exactJson, presenceOf, rowId, storedText } from "./schemas.ts";

/** Longest error text an event keeps; orchestrators paste whole health-check bodies. */
export const MAX_ERROR_CHARS = 64 * 1024;

/** What starting a deployment (or a rollback) returns. */
const startResult = z.object({
  deployment: deploymentRecord,
  config: configSummary,
  config_created: z.boolean().describe("True when config_yaml was stored as a new version"),
  event: eventRecord,
  state: currentStateRecord,
});

/** What recording an event returns. */
const eventResult = z.object({
  event: eventRecord,
  deployment: deploymentRecord,
  state: currentStateRecord,
});

/** The call that records a deployment's next event, for messages. */
function eventCommand(deploymentId: number): Hint {
  return call("deploy.event", { deployment_id: deploymentId, event_type: null });
}

/** The call that unlocks an app, for messages. */
function recoverCommand(app: string): Hint {
  return call("deploy.recover", { app_name: app });
}

/** The call that starts a deployment of an app, for messages. */
function startCommand(app: string, image: string | null): Hint {
  return call("deploy.start", { app_name: app, image });
}

/**
 * Refuses to start a deployment of an app that is not stable, naming the deployment, its state
 * and the command that resolves it. Returns the app's current state (undefined: never deployed).
 */
function requireStable(context: OperationContext, app: string): CurrentStateRecord | undefined {
  const current = currentState(context.db, app);
  if (!current || current.status === "stable") return current;
  throw refusalForUnstable(current);
}

function refusalForUnstable(current: CurrentStateRecord): DockswapError {
  const app = current.app_name;
  const id = current.deployment_id;
  const details = { app_name: app, deployment_id: id, state: current.status };
  if (isInFlight(current.status)) {
    return new DockswapError(
      "deploy_in_progress",
      [
        `App ${app} already has deployment ${id} in flight (state ${current.status}, since ` +
        `${current.updated_at}); record its next event with `,
        eventCommand(id),
        ` (${current.status} accepts: ${acceptedEvents(current.status).join(", ")}) ` +
        "or abandon it with ",
        recoverCommand(app),
        ". Nothing was written.",
      ],
      details,
    );
  }
  return new DockswapError(
    "app_failed",
    say`App ${app} is failed (deployment ${id}); run ${
      recoverCommand(app)
    } to return it to stable before deploying. Nothing was written.`,
    details,
  );
}

/** The color a new deployment brings up: the one not live, or the requested one on a first deploy. */
function targetColor(current: CurrentStateRecord | undefined, requested?: Color): Color {
  const live = current?.active_color ?? null;
  if (live === null) return requested ?? COLORS[0];
  const other = otherColor(live);
  if (requested !== undefined && requested !== other) {
    throw new DockswapError(
      "invalid_argument",
      [
        `App ${current!.app_name} is live on ${live}; a new deployment must bring up ${other}, ` +
        `not ${requested}. Omit the color (`,
        param("color"),
        "). Nothing was written.",
      ],
      { app_name: current!.app_name, active_color: live, color: requested },
    );
  }
  return other;
}

/** Inserts a deployment, its `deploy` event and the app's `starting` state, in the caller's transaction. */
function startDeployment(
  context: OperationContext,
  current: CurrentStateRecord | undefined,
  fields: { app_name: string; image: string; config: ConfigRecord; color: Color },
  rollbackOf: number | null,
): { deployment: DeploymentRecord; event: EventRecord; state: CurrentStateRecord } {
  const from: State = current?.status ?? "stable";
  const transition = nextState(from, START_EVENT);
  if (!transition.ok) throw refusalForUnstable(current!);
  const now = context.now();
  let deployment: DeploymentRecord;
  try {
    deployment = insertDeployment(context.db, {
      app_name: fields.app_name,
      config_id: fields.config.id,
      image: fields.image,
      started_at: now,
      ended_at: null,
      status: "in_progress",
      active_color: fields.color,
      rollback_of: rollbackOf,
    });
  } catch (error) {
    // The partial unique index is the last guard against two deployments in flight; the write
    // lock taken by BEGIN IMMEDIATE normally makes the check above see the other one first.
    if (!(error instanceof DockswapError && error.code === "deploy_in_progress")) throw error;
    const other = currentState(context.db, fields.app_name);
    if (other && isInFlight(other.status)) throw refusalForUnstable(other);
    // Only a hand-edited file gets here: a deployment in progress that current_state lost.
    const running = error.details ?? {};
    throw new DockswapError(
      "deploy_in_progress",
      `App ${fields.app_name} already has deployment ${running.deployment_id ?? "?"} in progress ` +
        `(started ${running.started_at ?? "?"}), but its current state says ` +
        `${other?.status ?? "nothing"}; the file was edited by hand; end that deployment ` +
        `(status failed, ended_at set) before deploying. Nothing was written.`,
      { app_name: fields.app_name, deployment_id: running.deployment_id ?? null },
    );
  }
  const event = insertEvent(context.db, {
    deployment_id: deployment.id,
    app_name: fields.app_name,
    event_type: START_EVENT,
    from_state: transition.from,
    to_state: transition.to,
    payload: {
      image: fields.image,
      config_id: fields.config.id,
      color: fields.color,
      ...(rollbackOf === null ? {} : { rollback_of: rollbackOf }),
    },
    error: null,
    created_at: now,
  });
  // Traffic stays where it is until this deployment moves it.
  const state = current === undefined
    ? insertCurrentState(context.db, {
      app_name: fields.app_name,
      deployment_id: deployment.id,
      active_color: null,
      image: null,
      status: transition.to,
      updated_at: now,
    })
    : updateCurrentState(context.db, current, {
      deployment_id: deployment.id,
      status: transition.to,
      updated_at: now,
    });
  return { deployment, event, state };
}

const startParams = z.strictObject({
  app_name: appName,
  image,
  config_yaml: storedText.max(MAX_CONFIG_BYTES).optional().describe(
    "Raw YAML of the config to deploy; stored as a new version unless equal to the latest",
  ),
  config_id: rowId.optional().describe("Id of a stored config version of this app"),
  color: color.optional().describe("Color of a first deployment (default blue)"),
}).refine((p) => p.config_yaml === undefined || p.config_id === undefined, {
  message: "give config_yaml or config_id, not both",
}).meta({
  // The refinement above, in JSON Schema for rpc.discover.
  not: presenceOf("config_yaml", "config_id"),
  description: "config_yaml or config_id, not both; neither deploys the latest stored config",
});

/** deploy.start's common params (see quick_params.ts); undefined leaves them to the schema. */
const quickStartParams = quickCheck(
  startParams,
  (p) =>
    isAppName(p.app_name) &&
    typeof p.image === "string" && p.image.length <= MAX_IMAGE_LENGTH &&
    IMAGE_PATTERN.test(p.image) && p.image.isWellFormed() &&
    (p.config_yaml === undefined || isStoredText(p.config_yaml, MAX_CONFIG_BYTES)) &&
    (p.config_id === undefined || isRowId(p.config_id)) &&
    (p.config_yaml === undefined || p.config_id === undefined) &&
    (p.color === undefined || isColor(p.color)),
);

export const deployStart = defineOperation({
  name: "deploy.start",
  summary: "Start a deployment of an app: records the deploy event and moves the app to starting",
  access: "write",
  params: startParams,
  quickParams: quickStartParams,
  result: startResult,
  // Only a config given inline can succeed on an empty database.
  mayCreate: (params) => params.config_yaml !== undefined,
  precheck(params) {
    if (params.config_yaml !== undefined) parseForApp(params.config_yaml, params.app_name);
  },
  run(context, params) {
    const app = params.app_name;
    const current = requireStable(context, app);
    let config: ConfigRecord;
    let created = false;
    if (params.config_yaml !== undefined) {
      ({ created, config } = addConfig(context, params.config_yaml, app));
    } else if (params.config_id !== undefined) {
      config = configOfApp(context, app, params.config_id);
    } else {
      config = requireLatestConfig(context, app);
    }
    const color = targetColor(current, params.color);
    const started = startDeployment(
      context,
      current,
      { app_name: app, image: params.image, config, color },
      null,
    );
    return { ...started, config: summarize(config), config_created: created };
  },
});

export const deployRollback = defineOperation({
  name: "deploy.rollback",
  summary: "Start a deployment of an earlier deployment's image and config (default: the last " +
    "success other than the one live)",
  access: "write",
  params: z.strictObject({
    app_name: appName,
    to_deployment_id: rowId.optional().describe("The deployment to go back to"),
  }),
  result: startResult,
  run(context, params) {
    const app = params.app_name;
    const current = requireStable(context, app);
    if (!current) {
      throw notFound(`App ${app} has never deployed; there is nothing to roll back to`);
    }
    const live = liveDeploymentId(context.db, app);
    let target: DeploymentRecord | undefined;
    if (params.to_deployment_id !== undefined) {
      target = deploymentById(context.db, params.to_deployment_id);
      if (!target || target.app_name !== app) {
        throw notFound(
          say`App ${app} has no deployment ${params.to_deployment_id}; see ${
            call("deploy.history", { app_name: app })
          }`,
        );
      }
    } else {
      target = lastSuccessfulDeployment(context.db, app, live);
      if (!target) {
        throw notFound(
          say`App ${app} has no successful deployment other than the one live${
            live === null ? "" : ` (${live})`
          } to roll back to; name the deployment (${param("to_deployment_id")})`,
        );
      }
    }
    if (target.config_id === null) {
      throw notFound(
        [
          `Deployment ${target.id} of ${app} has no stored config (an adopted legacy row); ` +
          "deploy its image with ",
          startCommand(app, target.image),
        ],
      );
    }
    const config = configOfApp(context, app, target.config_id);
    const started = startDeployment(
      context,
      current,
      { app_name: app, image: target.image, config, color: targetColor(current) },
      target.id,
    );
    return { ...started, config: summarize(config), config_created: false };
  },
});

/** The deployment an event is for: by id, or the app's current (in-flight or last) one. */
function eventTarget(
  context: OperationContext,
  params: { deployment_id?: number; app_name?: string },
): { deployment: DeploymentRecord; current: CurrentStateRecord } {
  if (params.deployment_id !== undefined) {
    const found = deploymentWithState(context.db, params.deployment_id);
    if (!found) {
      throw notFound(`There is no deployment ${params.deployment_id}`);
    }
    const { deployment, current } = found;
    if (!current || current.deployment_id !== deployment.id) {
      throw new DockswapError(
        "invalid_transition",
        `Deployment ${deployment.id} of ${deployment.app_name} has ended (${deployment.status}); ` +
          `events are recorded for the app's current deployment` +
          `${current ? ` (${current.deployment_id}, state ${current.status})` : ""}. ` +
          `Nothing was written.`,
        { deployment_id: deployment.id, status: deployment.status },
      );
    }
    return { deployment, current };
  }
  const app = params.app_name!;
  const target = currentDeployment(context.db, app);
  if (!target) {
    throw notFound(
      say`App ${app} has never deployed; start with ${startCommand(app, null)}`,
    );
  }
  return target;
}

/** Why an event is refused in a state, naming the state and the events it accepts. */
function refusedEvent(
  deployment: DeploymentRecord,
  current: CurrentStateRecord,
  event: EventType,
  accepted: readonly EventType[],
): DockswapError {
  const app = deployment.app_name;
  const subject = isInFlight(current.status)
    ? `Deployment ${deployment.id} of ${app} is in state ${current.status}`
    : `App ${app} is ${current.status} (last deployment ${deployment.id})`;
  let hint = say``;
  if (current.status === "stable") {
    hint = say`; start a deployment with ${startCommand(app, null)}`;
  } else if (event === RECOVERY_EVENT) {
    hint = say`; to abandon the deployment run ${recoverCommand(app)}`;
  }
  const acceptedText = current.status === "stable"
    ? "no deployment is in flight"
    : `${current.status} accepts: ${accepted.join(", ")}`;
  return new DockswapError(
    "invalid_transition",
    [`${subject}; event ${event} is refused (${acceptedText})`, ...hint, ". Nothing was written."],
    { deployment_id: deployment.id, state: current.status, event_type: event, accepted },
  );
}

/**
 * Records one event: inserts it with its transition, updates the app's current state (its live
 * color and image only when traffic moves) and ends the deployment on a terminal event.
 */
function recordEvent(
  context: OperationContext,
  target: { deployment: DeploymentRecord; current: CurrentStateRecord },
  event: { type: EventType; to: State; payload: JsonValue | undefined; error: string | null },
): z.infer<typeof eventResult> {
  const { deployment, current } = target;
  const now = context.now();
  const recorded = insertEvent(context.db, {
    deployment_id: deployment.id,
    app_name: deployment.app_name,
    event_type: event.type,
    from_state: current.status,
    to_state: event.to,
    payload: event.payload ?? null,
    error: event.error,
    created_at: now,
  });
  // Only a traffic move changes what serves the app.
  const state = updateCurrentState(
    context.db,
    current,
    event.type === TRAFFIC_EVENT
      ? {
        active_color: deployment.active_color,
        image: deployment.image,
        status: event.to,
        updated_at: now,
      }
      : { status: event.to, updated_at: now },
  );
  const outcome = event.type === RECOVERY_EVENT && isInFlight(current.status)
    ? recoveryFrom(current.status)?.ends
    : outcomeOf(event.type);
  if (outcome !== undefined && deployment.status === "in_progress") {
    endDeployment(context.db, deployment.id, outcome, now);
    return {
      event: recorded,
      deployment: { ...deployment, status: outcome, ended_at: now },
      state,
    };
  }
  return { event: recorded, deployment, state };
}

const eventParams = z.strictObject({
  deployment_id: rowId.optional().describe("The deployment; or give app_name"),
  app_name: appName.optional().describe("The app whose in-flight deployment the event is for"),
  event_type: recordableEventType,
  payload: exactJson.optional().describe(
    "Any JSON value, stored compactly; null stores none. Integers beyond ±(2^53 - 1) cannot " +
      "be stored exactly and are refused: send them as strings",
  ),
  error: storedText.max(MAX_ERROR_CHARS).optional().describe("Error message of a failure event"),
}).refine((p) => (p.deployment_id === undefined) !== (p.app_name === undefined), {
  message: "give exactly one of deployment_id and app_name",
}).meta({
  // The refinement above, in JSON Schema for rpc.discover.
  oneOf: [presenceOf("deployment_id"), presenceOf("app_name")],
  description: "exactly one of deployment_id and app_name",
});

const RECORDABLE = new Set<string>(recordableEvents);

/** deploy.event's common params (see quick_params.ts); undefined leaves them to the schema. */
const quickEventParams = quickCheck(
  eventParams,
  (p) =>
    (p.deployment_id === undefined) !== (p.app_name === undefined) &&
    (p.deployment_id === undefined || isRowId(p.deployment_id)) &&
    (p.app_name === undefined || isAppName(p.app_name)) &&
    typeof p.event_type === "string" && RECORDABLE.has(p.event_type) &&
    (p.payload === undefined || isExactJson(p.payload)) &&
    (p.error === undefined || isStoredText(p.error, MAX_ERROR_CHARS)),
);

export const deployEvent = defineOperation({
  name: "deploy.event",
  summary: "Record a state-machine event of a deployment (by id, or the app's current one)",
  access: "write",
  params: eventParams,
  quickParams: quickEventParams,
  result: eventResult,
  run(context, params) {
    const target = eventTarget(context, params);
    const { deployment, current } = target;
    const transition = nextState(current.status, params.event_type);
    if (!transition.ok) {
      throw refusedEvent(
        deployment,
        current,
        params.event_type,
        transition.accepted,
      );
    }
    return recordEvent(context, target, {
      type: params.event_type,
      to: transition.to,
      payload: params.payload,
      error: params.error ?? null,
    });
  },
});

export const deployRecover = defineOperation({
  name: "deploy.recover",
  summary: "Return an app to stable: from failed, or by abandoning its in-flight deployment " +
    "(ended failed); from stable nothing is written",
  access: "write",
  params: z.strictObject({
    app_name: appName,
    reason: storedText.max(MAX_ERROR_CHARS).optional().describe(
      "Why; kept in the manual_recovery event (its error when a deployment is abandoned)",
    ),
  }),
  result: z.object({
    recovered: z.boolean().describe("False when the app was already stable (nothing written)"),
    app_name: z.string(),
    from_state: z.string().describe("The state the app was in"),
    message: z.string(),
    event: eventRecord.nullable(),
    deployment: deploymentRecord,
    state: currentStateRecord,
  }),
  run(context, params) {
    const app = params.app_name;
    const target = currentDeployment(context.db, app);
    if (!target) throw notFound(`App ${app} has never deployed; there is nothing to recover`);
    const { deployment, current } = target;
    const recovery = recoveryFrom(current.status);
    if (!recovery) {
      return {
        recovered: false,
        app_name: app,
        from_state: current.status,
        message: `App ${app} is stable; there is nothing to recover and nothing was written`,
        event: null,
        deployment,
        state: current,
      };
    }
    const abandons = isInFlight(current.status);
    const reason = params.reason ?? null;
    const result = recordEvent(context, { deployment, current }, {
      type: RECOVERY_EVENT,
      to: recovery.to,
      payload: reason === null || abandons ? null : { reason },
      error: abandons ? reason ?? `abandoned by manual recovery in state ${current.status}` : null,
    });
    return {
      recovered: true,
      app_name: app,
      from_state: current.status,
      message: abandons
        ? `Deployment ${deployment.id} of ${app} was abandoned in state ${current.status} and ` +
          `ended failed; ${app} is stable`
        : `App ${app} is stable again (deployment ${deployment.id} stays failed)`,
      ...result,
    };
  },
});
