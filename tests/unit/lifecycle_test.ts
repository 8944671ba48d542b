import { assert, assertEquals } from "../_assert.ts";
import {
  acceptedEvents,
  EVENTS,
  type EventType,
  IN_FLIGHT_STATES,
  isInFlight,
  nextState,
  outcomeOf,
  recoveryFrom,
  type State,
  STATES,
} from "../../src/lifecycle.ts";

// The issue's table, written out again here so the test does not read the table it checks.
const EXPECTED: Record<string, State> = {
  "stable+deploy": "starting",
  "starting+container_started": "health_check",
  "starting+container_failed": "failed",
  "health_check+health_check_passed": "switching",
  "health_check+health_check_failed": "rolling_back",
  "switching+caddy_updated": "draining",
  "switching+caddy_failed": "rolling_back",
  "draining+drain_complete": "stopping",
  "stopping+container_stopped": "stable",
  "stopping+stop_failed": "failed",
  "rolling_back+rollback_complete": "stable",
  "rolling_back+rollback_failed": "failed",
  "failed+manual_recovery": "stable",
};

Deno.test("the machine knows 8 states and 13 events", () => {
  assertEquals(STATES.length, 8);
  assertEquals(EVENTS.length, 13);
});

for (const state of STATES) {
  for (const event of EVENTS) {
    const key = `${state}+${event}`;
    const expected = EXPECTED[key];
    Deno.test(`${state} + ${event} ${expected ? `-> ${expected}` : "is refused"}`, () => {
      const transition = nextState(state, event);
      if (expected) {
        assertEquals(transition, { ok: true, from: state, event, to: expected });
      } else {
        assertEquals(transition.ok, false);
        if (!transition.ok) {
          const accepted = Object.keys(EXPECTED)
            .filter((k) => k.startsWith(`${state}+`))
            .map((k) => k.split("+")[1] as EventType);
          assertEquals(transition.accepted, accepted);
          assertEquals(acceptedEvents(state), accepted);
        }
      }
    });
  }
}

Deno.test("every state accepts at least one event, so no state is a dead end", () => {
  for (const state of STATES) assert(acceptedEvents(state).length > 0, state);
});

Deno.test("terminal events map to deployment outcomes; others go on", () => {
  const outcomes = Object.fromEntries(
    EVENTS.map((e) => [e, outcomeOf(e)]).filter(([, o]) => o !== undefined),
  );
  assertEquals(outcomes, {
    container_failed: "failed",
    container_stopped: "success",
    stop_failed: "failed",
    rollback_complete: "rolled_back",
    rollback_failed: "failed",
  });
  // A terminal event always leads to stable or failed, where no deployment is in flight.
  for (const [key, to] of Object.entries(EXPECTED)) {
    const event = key.split("+")[1] as EventType;
    if (outcomeOf(event)) assert(!isInFlight(to), key);
  }
});

Deno.test("in-flight states are those between stable and failed", () => {
  assertEquals(IN_FLIGHT_STATES, [
    "starting",
    "health_check",
    "switching",
    "draining",
    "stopping",
    "rolling_back",
  ]);
});

Deno.test("recovery: nothing from stable, table from failed, forced failure from in flight", () => {
  assertEquals(recoveryFrom("stable"), undefined);
  assertEquals(recoveryFrom("failed"), { to: "stable", ends: undefined });
  for (const state of IN_FLIGHT_STATES) {
    assertEquals(recoveryFrom(state), { to: "stable", ends: "failed" });
  }
});
