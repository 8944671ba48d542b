/**
 * The rule for Go deployments rows, row by row: the Go CLI's `ready` rows (config_id 1
 * hard-coded, never an end time) and the state machine's `deploying` rows (never updated).
 */
import { assertEquals } from "../_assert.ts";
import { goTime } from "../fixtures/make_go_dockswap_db.ts";
import { renameUnusableApps } from "../../src/adoption/app_names.ts";
import {
  adoptDeployment,
  type DeploymentContext,
  rebuiltDeployment,
} from "../../src/adoption/deployment_rule.ts";
import { EventSummaries, type ReplayedEvent } from "../../src/adoption/event_summaries.ts";
import type { GoDeployment } from "../../src/adoption/go_rows.ts";

/** A row as `dockswap deploy APP IMAGE` (the Go CLI) inserts it. */
function cliRow(row: Partial<GoDeployment> & Pick<GoDeployment, "id">): GoDeployment {
  return {
    app_name: "web-api",
    config_id: 1,
    image: "web:2",
    started_at: goTime("2025-07-22", "12:00:00", "75"),
    ended_at: null,
    status: "ready",
    active_color: "green",
    rollback_of: null,
    ...row,
  };
}

/** Events replayed for one deployment: [at, state after it, the type when accepted]. */
function summaries(events: Record<number, [string, ReplayedEvent["to"], string?][]>) {
  const all = new EventSummaries();
  for (const [id, list] of Object.entries(events)) {
    for (const [at, to, applied] of list) all.add(Number(id), { at, to, applied });
  }
  return all;
}

function context(overrides: Partial<DeploymentContext> = {}): DeploymentContext {
  return {
    renames: renameUnusableApps([]),
    summaries: new EventSummaries(),
    configApps: new Map([[1, "worker"], [3, "web-api"]]),
    deploymentApps: new Map([[1, "worker"], [4, "web-api"], [5, "web-api"], [8, "web-api"]]),
    successorStarts: new Map(),
    ...overrides,
  };
}

const why = (adopted: { repairs: { column: string | null; reason: string }[] }) =>
  adopted.repairs.map((r) => [r.column, r.reason]);

Deno.test("a Go CLI `ready` row: success, ended at its start (no events), config 1 of another app cleared", () => {
  const adopted = adoptDeployment(cliRow({ id: 4 }), context());
  assertEquals(adopted.row, {
    id: 4,
    app_name: "web-api",
    config_id: null,
    image: "web:2",
    started_at: "2025-07-22T12:00:00.750Z",
    ended_at: "2025-07-22T12:00:00.750Z",
    status: "success",
    active_color: "green",
    rollback_of: null,
    legacy_status: "ready",
    chain_head: null,
  });
  assertEquals(why(adopted), [
    ["ended_at", "ready without an end time (last event, else start)"],
    ["config_id", "config 1 is of app worker, not web-api"],
  ]);
  assertEquals(
    adoptDeployment(cliRow({ id: 4, config_id: 2 }), context()).repairs[1].reason,
    "no such config",
  );
  // 0, Go's zero value, is no config: nothing to repair.
  assertEquals(adoptDeployment(cliRow({ id: 4, config_id: 0 }), context()).row.config_id, null);
  assertEquals(adoptDeployment(cliRow({ id: 4, config_id: 3 }), context()).row.config_id, 3);
});

Deno.test("a state machine `deploying` row takes the outcome its events reached, ended at that event", () => {
  const events = summaries({
    1: [
      ["2025-07-20T09:00:10.000Z", "starting", "deploy"],
      ["2025-07-20T09:00:50.000Z", "stable", "container_stopped"],
    ],
  });
  const go = cliRow({
    id: 1,
    app_name: "worker",
    status: "deploying",
    started_at: goTime("2025-07-20", "09:00:00"),
  });
  const adopted = adoptDeployment(go, context({ summaries: events }));
  assertEquals(
    [adopted.row.status, adopted.row.ended_at, adopted.row.legacy_status, adopted.row.config_id],
    ["success", "2025-07-20T09:00:50.000Z", "deploying", 1],
  );
  assertEquals(why(adopted), [
    ["status", "its container_stopped event ended it (ended_at set to that event's time)"],
  ]);
});

Deno.test("a `deploying` row still in flight: kept in flight when its app's latest, failed at its successor's start otherwise", () => {
  const go = cliRow({ id: 5, status: "deploying", config_id: 3 });
  const latest = adoptDeployment(go, context());
  assertEquals([latest.row.status, latest.row.ended_at, latest.repairs], ["in_progress", null, []]);
  const superseded = adoptDeployment(
    go,
    context({ successorStarts: new Map([[5, "2025-07-24T12:00:00.100Z"]]) }),
  );
  assertEquals([superseded.row.status, superseded.row.ended_at], [
    "failed",
    "2025-07-24T12:00:00.100Z",
  ]);
  assertEquals(why(superseded), [[
    "status",
    "unterminated, superseded by a later deployment of web-api (ended_at set to its start)",
  ]]);
  const ended = adoptDeployment(
    cliRow({
      id: 5,
      status: "deploying",
      config_id: 3,
      ended_at: goTime("2025-07-23", "00:00:00"),
    }),
    context(),
  );
  assertEquals([ended.row.status, why(ended)], ["failed", [[
    "status",
    "ended without an outcome",
  ]]]);
});

Deno.test("rollback_of: kept for an earlier deployment of the same app, cleared (logged) for itself, a later one, another app's or none", () => {
  const rollback = (id: number, rollback_of: number) =>
    adoptDeployment(cliRow({ id, rollback_of, config_id: 3 }), context());
  assertEquals(rollback(8, 4).row.rollback_of, 4);
  assertEquals(rollback(8, 0).repairs.length, 1); // only the end time: 0 is no rollback
  const cleared = [rollback(5, 5), rollback(5, 8), rollback(5, 1), rollback(5, 42)];
  assertEquals(cleared.map((d) => d.row.rollback_of), [null, null, null, null]);
  assertEquals(cleared.map((d) => d.repairs.at(-1)!.reason), [
    "deployment 5 is not an earlier one",
    "deployment 8 is not an earlier one",
    "deployment 1 is of app worker",
    "no such deployment",
  ]);
});

Deno.test("a status word not in the table is failed; a color neither blue nor green is blue; an empty image is unknown", () => {
  const adopted = adoptDeployment(
    cliRow({ id: 4, status: "teleporting", active_color: "purple", image: "", ended_at: "later" }),
    context(),
  );
  assertEquals(
    [adopted.row.status, adopted.row.active_color, adopted.row.image, adopted.row.legacy_status],
    ["failed", "blue", "unknown", "teleporting"],
  );
  assertEquals(adopted.repairs.map((r) => [r.column, r.old_value, r.new_value]), [
    ["status", "teleporting", "failed"],
    ["ended_at", "later", null],
    ["ended_at", "later", "2025-07-22T12:00:00.750Z"],
    ["active_color", "purple", "blue"],
    ["image", "", "unknown"],
    ["config_id", "1", null],
  ]);
});

Deno.test("a deployment that only events name is rebuilt from them: image unknown, color blue, outcome from its events", () => {
  const events = summaries({
    9: [
      ["2025-07-24T12:00:00.100Z", "starting", "deploy"],
      ["2025-07-24T12:00:05.000Z", "failed", "container_failed"],
    ],
  });
  const rebuilt = rebuiltDeployment({ id: 9, app_name: "billing", events: 2 }, events);
  assertEquals(rebuilt.row, {
    id: 9,
    app_name: "billing",
    config_id: null,
    image: "unknown",
    started_at: "2025-07-24T12:00:00.100Z",
    ended_at: "2025-07-24T12:00:05.000Z",
    status: "failed",
    active_color: "blue",
    rollback_of: null,
    legacy_status: null,
    chain_head: null,
  });
  assertEquals(why(rebuilt), [[
    null,
    "missing, but 2 event(s) refer to it: rebuilt from them (image unknown, color blue)",
  ]]);
});
