/**
 * The rule for Go deployment_events rows, event by event, as the Go state machine writes them
 * (one row per event handled, accepted or not, payload `{}` and error `''`).
 */
import { assertEquals } from "../_assert.ts";
import { goTime } from "../fixtures/make_go_dockswap_db.ts";
import { renameUnusableApps } from "../../src/adoption/app_names.ts";
import { adoptEvent, type EventContext, goEventType } from "../../src/adoption/event_rule.ts";
import type { GoEvent } from "../../src/adoption/go_rows.ts";
import { MissingDeployments } from "../../src/adoption/missing_deployments.ts";
import type { State } from "../../src/lifecycle.ts";

/** A row as the Go state machine inserts it. */
function goEvent(row: Partial<GoEvent> & Pick<GoEvent, "id" | "event_type">): GoEvent {
  return {
    deployment_id: 3,
    app_name: "worker",
    payload: "{}",
    error: "",
    created_at: goTime("2025-07-24", "12:00:00", "5"),
    ...row,
  };
}

/** Worker's deployment 3 exists; the highest id anywhere in the file is 9. */
function context(previous: [number, { state: State; at: string }][] = []): EventContext {
  return {
    deploymentApps: new Map([[3, "worker"], [6, "billing"]]),
    missing: new MissingDeployments(9),
    renames: renameUnusableApps([]),
    previous: new Map(previous),
  };
}

/** Adopts one Go event, whose type the state machine knows. */
function adopt(go: GoEvent, events: EventContext) {
  return adoptEvent(go, { ...events, type: goEventType(go)! });
}

Deno.test("the first event of a deployment starts from stable; '' error is none, '{}' payload kept", () => {
  const event = adopt(goEvent({ id: 1, event_type: "deploy" }), context());
  assertEquals(event.row, {
    id: 1,
    deployment_id: 3,
    app_name: "worker",
    event_type: "deploy",
    from_state: "stable",
    to_state: "starting",
    payload: "{}",
    error: null,
    created_at: "2025-07-24T12:00:00.500Z",
    hash: null,
  });
  assertEquals(event.repairs, []);
  assertEquals(event.replayed, {
    at: "2025-07-24T12:00:00.500Z",
    to: "starting",
    applied: "deploy",
  });
});

Deno.test("an event the state machine refuses (the Go machine records it with its error) leaves the state, logged", () => {
  const before: [number, { state: State; at: string }] = [3, {
    state: "health_check",
    at: "2025-07-24T12:00:00.000Z",
  }];
  const event = adopt(
    goEvent({
      id: 9,
      event_type: "drain_complete",
      error: "invalid event drain_complete for state health_check",
    }),
    context([before]),
  );
  assertEquals([event.row.from_state, event.row.to_state, event.row.error], [
    "health_check",
    "health_check",
    "invalid event drain_complete for state health_check",
  ]);
  assertEquals(event.replayed.applied, undefined);
  assertEquals(event.repairs.map((r) => [r.column, r.old_value, r.new_value, r.reason]), [[
    "to_state",
    null,
    "health_check",
    "drain_complete is not accepted in state health_check: the state stays, as the Go state machine left it",
  ]]);
});

Deno.test("an unreadable time takes the previous event's; a payload that is not JSON is kept as a JSON string", () => {
  const event = adopt(
    goEvent({ id: 4, event_type: "container_started", created_at: "soon", payload: "oops" }),
    context([[3, { state: "starting", at: "2025-07-24T12:00:01.000Z" }]]),
  );
  assertEquals([event.row.created_at, event.row.payload], ["2025-07-24T12:00:01.000Z", '"oops"']);
  assertEquals(event.repairs.map((r) => [r.column, r.old_value, r.new_value]), [
    ["created_at", "soon", "2025-07-24T12:00:01.000Z"],
    ["payload", "oops", '"oops"'],
  ]);
});

Deno.test("an event naming another app's deployment takes that deployment's app", () => {
  const event = adopt(
    goEvent({ id: 105, deployment_id: 6, app_name: "web-api", event_type: "deploy" }),
    context(),
  );
  assertEquals([event.row.deployment_id, event.row.app_name, event.missing], [
    6,
    "billing",
    undefined,
  ]);
  assertEquals(event.repairs.map((r) => [r.column, r.old_value, r.new_value, r.reason]), [
    ["app_name", "web-api", "billing", "deployment 6 is of app billing"],
  ]);
});

Deno.test("events naming no deployment: the missing id kept when usable, else a fresh id above the file's, one per value and app", () => {
  const events = context();
  const missing = adopt(goEvent({ id: 20, deployment_id: 8, event_type: "deploy" }), events);
  assertEquals([missing.row.deployment_id, missing.missing?.id, missing.repairs], [8, 8, []]);
  // deployment_id 0 (Go's zero value) for two apps: a fresh id each, above 9.
  const worker = adopt(goEvent({ id: 100, deployment_id: 0, event_type: "deploy" }), events);
  const cron = adopt(
    goEvent({ id: 101, deployment_id: 0, app_name: "cron", event_type: "deploy" }),
    events,
  );
  assertEquals([worker.row.deployment_id, cron.row.deployment_id], [10, 11]);
  assertEquals(worker.repairs.map((r) => [r.column, r.old_value, r.new_value, r.reason]), [
    ["deployment_id", "0", "10", "no deployment"],
  ]);
  // Missing 8 again, but of another app: 8 is taken, so a fresh id.
  const other = adopt(
    goEvent({ id: 102, deployment_id: 8, app_name: "other", event_type: "deploy" }),
    events,
  );
  assertEquals(other.row.deployment_id, 12);
  // The same value and app again: the same deployment.
  const again = adopt(
    goEvent({ id: 103, deployment_id: 0, event_type: "container_started" }),
    events,
  );
  assertEquals(again.missing, worker.missing);
});

Deno.test("event types are read case-insensitively; a type the state machine does not know is none", () => {
  assertEquals(
    goEventType(goEvent({ id: 1, event_type: "Container_Started" })),
    "container_started",
  );
  assertEquals(goEventType(goEvent({ id: 1, event_type: "teleported" })), undefined);
  assertEquals(goEventType(goEvent({ id: 1, event_type: null })), undefined);
});
