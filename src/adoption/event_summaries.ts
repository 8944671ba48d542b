/** What the Go events of each deployment say once replayed through the state machine. Pure. */
import {
  type DeploymentOutcome,
  isEventType,
  isInFlight,
  outcomeOf,
  type State,
  TRAFFIC_EVENT,
} from "../lifecycle.ts";

/** What the events of one deployment say. */
export interface EventSummary {
  first: string;
  last: string;
  /** The state after its last event. */
  state: State;
  /** The last event that ended it. */
  ended?: { outcome: DeploymentOutcome; at: string; event: string };
  /** Whether its events moved traffic to it. */
  movedTraffic: boolean;
}

/** One replayed event: when, the state it left, and its type when the machine accepted it. */
export interface ReplayedEvent {
  at: string;
  to: State;
  applied: string | undefined;
}

/** The summaries of every deployment's events, built event by event. */
export class EventSummaries {
  readonly #byDeployment = new Map<number, EventSummary>();

  add(deployment: number, event: ReplayedEvent): void {
    const { at, to, applied } = event;
    const outcome = applied === undefined || !isEventType(applied) ? undefined : outcomeOf(applied);
    const summary = this.#byDeployment.get(deployment) ??
      { first: at, last: at, state: to, movedTraffic: false };
    summary.last = at;
    summary.state = to;
    if (outcome !== undefined) summary.ended = { outcome, at, event: applied! };
    if (applied === TRAFFIC_EVENT) summary.movedTraffic = true;
    this.#byDeployment.set(deployment, summary);
  }

  get(deployment: number): EventSummary | undefined {
    return this.#byDeployment.get(deployment);
  }

  /** What the events say ended a deployment, unless a later event put it back in flight. */
  endedBy(deployment: number): EventSummary["ended"] {
    const summary = this.#byDeployment.get(deployment);
    return summary && !isInFlight(summary.state) ? summary.ended : undefined;
  }
}
