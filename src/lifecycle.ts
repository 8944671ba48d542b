/**
 * The deployment state machine of the Go dockswap (internal/deployment/state_machine.go), as
 * data. Every rule about states and events reads TRANSITIONS and OUTCOMES; nothing else spells
 * a transition. Pure: no database, no clock.
 */

/** Every state an app can be in, in lifecycle order. */
export const STATES = [
  "stable",
  "starting",
  "health_check",
  "switching",
  "draining",
  "stopping",
  "rolling_back",
  "failed",
] as const;

/** A state-machine state. */
export type State = typeof STATES[number];

/** Every event the state machine knows, in lifecycle order. */
export const EVENTS = [
  "deploy",
  "container_started",
  "container_failed",
  "health_check_passed",
  "health_check_failed",
  "caddy_updated",
  "caddy_failed",
  "drain_complete",
  "container_stopped",
  "stop_failed",
  "rollback_complete",
  "rollback_failed",
  "manual_recovery",
] as const;

/** A state-machine event. */
export type EventType = typeof EVENTS[number];

/** How a deployment can end. */
export const DEPLOYMENT_OUTCOMES = ["success", "failed", "rolled_back"] as const;

/** How a deployment ends. */
export type DeploymentOutcome = typeof DEPLOYMENT_OUTCOMES[number];

/** Every deployment status: in flight, then each way it can end. */
export const DEPLOYMENT_STATUSES = ["in_progress", ...DEPLOYMENT_OUTCOMES] as const;

/** A deployment's status: in flight, or how it ended. */
export type DeploymentStatus = typeof DEPLOYMENT_STATUSES[number];

/** The transition table: state, then event, to the next state. Any pair not listed is refused. */
export const TRANSITIONS: Readonly<Record<State, Readonly<Partial<Record<EventType, State>>>>> = {
  stable: { deploy: "starting" },
  starting: { container_started: "health_check", container_failed: "failed" },
  health_check: { health_check_passed: "switching", health_check_failed: "rolling_back" },
  switching: { caddy_updated: "draining", caddy_failed: "rolling_back" },
  draining: { drain_complete: "stopping" },
  stopping: { container_stopped: "stable", stop_failed: "failed" },
  rolling_back: { rollback_complete: "stable", rollback_failed: "failed" },
  failed: { manual_recovery: "stable" },
};

/** The events that end a deployment, and how each ends it. */
export const OUTCOMES: Readonly<Partial<Record<EventType, DeploymentOutcome>>> = {
  container_stopped: "success",
  container_failed: "failed",
  stop_failed: "failed",
  rollback_failed: "failed",
  rollback_complete: "rolled_back",
};

/** The event whose transition moves traffic to the deployment (current_state's color and image). */
export const TRAFFIC_EVENT: EventType = "caddy_updated";

/** The event only `deploy start` and `rollback` record: it creates the deployment. */
export const START_EVENT: EventType = "deploy";

/** The events `deploy.event` records: all but the start event, which starting a deployment records. */
export const recordableEvents = EVENTS.filter((event) => event !== START_EVENT) as [
  typeof EVENTS[number],
  ...typeof EVENTS[number][],
];

/** The event `recover` records. */
export const RECOVERY_EVENT: EventType = "manual_recovery";

/** The outcome of asking the table for a transition. */
export type Transition =
  | { ok: true; from: State; event: EventType; to: State }
  | { ok: false; from: State; event: EventType; accepted: EventType[] };

/** The events a state accepts, in lifecycle order. */
export function acceptedEvents(state: State): EventType[] {
  const row = TRANSITIONS[state];
  return EVENTS.filter((event) => row[event] !== undefined);
}

/** The next state after `event` in `state`, or a refusal listing the events `state` accepts. */
export function nextState(state: State, event: EventType): Transition {
  const to = TRANSITIONS[state][event];
  if (to !== undefined) return { ok: true, from: state, event, to };
  return { ok: false, from: state, event, accepted: acceptedEvents(state) };
}

/** How `event` ends a deployment, or undefined when the deployment goes on. */
export function outcomeOf(event: EventType): DeploymentOutcome | undefined {
  return OUTCOMES[event];
}

/** True for the states where a deployment is in flight (it holds the app's deploy lock). */
export function isInFlight(state: State): boolean {
  return state !== "stable" && state !== "failed";
}

/** The states where a deployment is in flight, derived from the table. */
export const IN_FLIGHT_STATES: readonly State[] = STATES.filter(isInFlight);

/**
 * What `recover` does from a state: from `failed` the table's own transition; from an in-flight
 * state it forces the app back to stable and ends the deployment `failed` (an orchestrator that
 * crashed must never leave an app locked); from `stable` nothing (undefined).
 */
export function recoveryFrom(
  state: State,
): { to: State; ends: DeploymentOutcome | undefined } | undefined {
  if (state === "stable") return undefined;
  const table = nextState(state, RECOVERY_EVENT);
  if (table.ok) return { to: table.to, ends: undefined };
  return { to: "stable", ends: "failed" };
}

/** True when `value` names a state. */
export function isState(value: string): value is State {
  return (STATES as readonly string[]).includes(value);
}

/** True when `value` names an event. */
export function isEventType(value: string): value is EventType {
  return (EVENTS as readonly string[]).includes(value);
}
