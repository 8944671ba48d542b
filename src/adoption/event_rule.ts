/**
 * A Go `deployment_events` row adopted: placed under a deployment of its own app, its transition
 * replayed through the state machine (from `stable`, event by event of its deployment), its
 * time, payload and error read as this schema keeps them. Pure.
 */
import { type EventType, isEventType, nextState, type State } from "../lifecycle.ts";
import type { FullEvent } from "../store/full_rows.ts";
import { type AppRenames, UNUSABLE_APP_NAME, usableApp } from "./app_names.ts";
import type { ReplayedEvent } from "./event_summaries.ts";
import type { GoEvent } from "./go_rows.ts";
import type { MissingDeployment, MissingDeployments } from "./missing_deployments.ts";
import { type AdoptionRepair, EPOCH, goText, RowRepairs } from "./repairs.ts";

/** What an event needs to know of the rows adopted before it. */
export interface EventContext {
  /** The app of each deployment the Go file has, as adopted. */
  deploymentApps: ReadonlyMap<number, string>;
  missing: MissingDeployments;
  renames: AppRenames;
  /** Where the previous event of each (adopted) deployment left it. */
  previous: ReadonlyMap<number, { state: State; at: string }>;
}

/** An event adopted, and what its replay says of its deployment. */
export interface AdoptedEvent {
  row: FullEvent;
  repairs: AdoptionRepair[];
  replayed: ReplayedEvent;
  /** The rebuilt deployment it went under, when the one it names is missing. */
  missing?: MissingDeployment;
}

/** The event's type in this schema's words, or undefined when the state machine knows none. */
export function goEventType(go: GoEvent): EventType | undefined {
  const type = (goText(go.event_type) ?? "").toLowerCase();
  return isEventType(type) ? type : undefined;
}

export function adoptEvent(
  go: GoEvent,
  context: EventContext & { type: EventType },
): AdoptedEvent {
  const repairs = new RowRepairs("deployment_events", `id=${go.id}`);
  const place = placeEvent(go, { ...context, repairs });
  const before = context.previous.get(place.deployment_id);
  const from: State = before?.state ?? "stable";
  const at = repairs.time("created_at", { value: go.created_at, fallback: before?.at ?? EPOCH });
  // The Go machine records an event it refuses too (with its error) and stays where it was.
  const transition = nextState(from, context.type);
  const to = transition.ok ? transition.to : from;
  if (!transition.ok) {
    repairs.add("to_state", {
      from: null,
      to,
      reason:
        `${context.type} is not accepted in state ${from}: the state stays, as the Go state machine left it`,
    });
  }
  const error = goText(go.error);
  const row: FullEvent = {
    id: Number(go.id),
    deployment_id: place.deployment_id,
    app_name: place.app_name,
    event_type: context.type,
    from_state: from,
    to_state: to,
    payload: payloadOf(go.payload, repairs),
    error: error === "" ? null : error,
    created_at: at,
    // Chained once every event is copied (the rewrite's last step).
    hash: null,
  };
  const replayed = { at, to, applied: transition.ok ? context.type : undefined };
  return { row, repairs: repairs.list, replayed, missing: place.missing };
}

/**
 * The deployment an event goes under: the one it names when the Go file has it (whose app then
 * wins), else the deployment rebuilt for its value and app.
 */
function placeEvent(
  go: GoEvent,
  context: EventContext & { repairs: RowRepairs },
): { deployment_id: number; app_name: string; missing?: MissingDeployment } {
  const { repairs } = context;
  const goApp = goText(go.app_name) ?? "";
  const named = Number(go.deployment_id ?? 0);
  const owner = context.deploymentApps.get(named);
  if (owner !== undefined) {
    if (goApp !== owner) {
      repairs.add("app_name", {
        from: goApp,
        to: owner,
        reason: `deployment ${named} is of app ${owner}`,
      });
    }
    return { deployment_id: named, app_name: owner };
  }
  const app = goApp === "" ? "unknown" : usableApp(goApp, context.renames);
  const missing = context.missing.claim(go.deployment_id, app);
  if (goApp !== app) {
    const reason = goApp === "" ? "empty app name" : UNUSABLE_APP_NAME;
    repairs.add("app_name", { from: goApp, to: app, reason });
  }
  if (missing.id !== named) {
    repairs.add("deployment_id", {
      from: go.deployment_id,
      to: missing.id,
      reason: "no deployment",
    });
  }
  return { deployment_id: missing.id, app_name: app, missing };
}

/** '' means none; text that is not JSON is kept as a JSON string. */
function payloadOf(value: unknown, repairs: RowRepairs): string | null {
  const payload = goText(value);
  if (payload === null || payload === "") return null;
  try {
    JSON.parse(payload);
    return payload;
  } catch {
    const wrapped = JSON.stringify(payload);
    repairs.add("payload", {
      from: payload,
      to: wrapped,
      reason: "not JSON: kept as a JSON string",
    });
    return wrapped;
  }
}
