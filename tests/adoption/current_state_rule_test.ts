/**
 * The rule for Go current_state rows, row by row, as the Go tool writes them: `status` creates
 * (app, 0, 'blue', '', 'unknown') for an app that never deployed, `deploy` writes (app, new
 * deployment, OLD color, NEW image, 'ready'), `switch` writes (app, 0, COLOR, image kept, 'active').
 */
import { assertEquals } from "../_assert.ts";
import { goTime } from "../fixtures/make_go_dockswap_db.ts";
import { type AdoptedDeployment, appHistories } from "../../src/adoption/app_histories.ts";
import { renameUnusableApps } from "../../src/adoption/app_names.ts";
import {
  adoptCurrentState,
  currentStateFromHistory,
  type StateContext,
} from "../../src/adoption/current_state_rule.ts";
import { EventSummaries } from "../../src/adoption/event_summaries.ts";
import type { GoState } from "../../src/adoption/go_rows.ts";

const NOW = "2026-11-30T08:00:00.000Z";
const UPDATED = goTime("2025-07-24", "14:32:20", "123456789");

function deployment(
  row: Partial<AdoptedDeployment> & Pick<AdoptedDeployment, "id" | "active_color" | "image">,
): AdoptedDeployment {
  return {
    app_name: "api",
    started_at: `2025-07-2${row.id}T10:00:00.000Z`,
    status: "success",
    ended_at: `2025-07-2${row.id}T10:01:00.000Z`,
    moved_traffic: false,
    ...row,
  };
}

function context(deployments: AdoptedDeployment[], summaries = new EventSummaries()): StateContext {
  return {
    renames: renameUnusableApps(["my app"]),
    histories: appHistories(deployments),
    deploymentIds: new Set(deployments.map((d) => d.id)),
    summaries,
    now: NOW,
  };
}

/** api: blue served api:2 (deployment 3), then api:3 was deployed to green (4) and never switched. */
const API = [
  deployment({ id: 3, active_color: "blue", image: "api:2" }),
  deployment({ id: 4, active_color: "green", image: "api:3" }),
];

Deno.test("a Go `deploy` row (old color, new image) names what really serves: the old color with its own image", () => {
  const go: GoState = {
    app_name: "api",
    deployment_id: 4,
    active_color: "blue",
    image: "api:3",
    status: "ready",
    updated_at: UPDATED,
  };
  const { row, repairs } = adoptCurrentState(go, context(API));
  assertEquals(row, {
    app_name: "api",
    deployment_id: 4,
    active_color: "blue",
    image: "api:2",
    status: "stable",
    updated_at: "2025-07-24T14:32:20.123Z",
    legacy_status: "ready",
  });
  assertEquals(repairs.map((r) => [r.column, r.old_value, r.new_value, r.reason]), [[
    "active_color",
    "blue/api:3",
    "blue/api:2",
    "the Go row's color and image are not what serves traffic: deployment 3 brought up blue with api:2",
  ]]);
});

Deno.test("a Go `switch` row (deployment_id 0, `active`) points at the app's latest deployment", () => {
  const go: GoState = {
    app_name: "api",
    deployment_id: 0,
    active_color: "green",
    image: "api:2",
    status: "active",
    updated_at: UPDATED,
  };
  const { row, repairs } = adoptCurrentState(go, context(API));
  assertEquals([row?.deployment_id, row?.active_color, row?.image, row?.status], [
    4,
    "green",
    "api:3",
    "stable",
  ]);
  assertEquals(repairs.map((r) => [r.column, r.reason]), [
    ["deployment_id", "deployment_id 0 although the app has deployments"],
    [
      "active_color",
      "the Go row's color and image are not what serves traffic: deployment 4 brought up green with api:3",
    ],
  ]);
});

Deno.test("a Go `status` row of an app that never deployed is dropped, logged whole", () => {
  const go: GoState = {
    app_name: "docs",
    deployment_id: 0,
    active_color: "blue",
    image: "",
    status: "unknown",
    updated_at: UPDATED,
  };
  const { app, row, repairs } = adoptCurrentState(go, context(API));
  assertEquals([app, row], ["docs", undefined]);
  assertEquals(repairs.length, 1);
  assertEquals(JSON.parse(repairs[0].old_value!), go);
  assertEquals(
    repairs[0].reason,
    "app never deployed (deployment_id 0): no current_state row in this schema",
  );
});

Deno.test("an app in flight: its last event's state; once traffic moved, the in-flight deployment is live", () => {
  const inFlight = deployment({
    id: 5,
    active_color: "green",
    image: "api:4",
    status: "in_progress",
    ended_at: null,
    moved_traffic: true,
  });
  const summaries = new EventSummaries();
  summaries.add(5, { at: "2025-07-25T10:00:01.000Z", to: "draining", applied: "caddy_updated" });
  const go: GoState = {
    app_name: "api",
    deployment_id: 5,
    active_color: "blue",
    image: "api:4",
    status: "deploying",
    updated_at: "not a time",
  };
  const { row, repairs } = adoptCurrentState(go, context([...API, inFlight], summaries));
  assertEquals([row?.status, row?.active_color, row?.image, row?.updated_at], [
    "draining",
    "green",
    "api:4",
    NOW,
  ]);
  assertEquals(repairs.map((r) => [r.column, r.old_value, r.new_value]), [
    ["status", "deploying", "draining"],
    ["active_color", "blue/api:4", "green/api:4"],
    ["updated_at", "not a time", NOW],
  ]);
});

Deno.test("no deployment ever brought the Go row's color up: what serves traffic is unknown (NULL)", () => {
  // shop: deployed once to green, never switched; the Go row names blue, which nothing ran.
  const shop = [deployment({ id: 1, app_name: "shop", active_color: "green", image: "shop:1" })];
  const go: GoState = {
    app_name: "shop",
    deployment_id: 1,
    active_color: "blue",
    image: "shop:1",
    status: "ready",
    updated_at: UPDATED,
  };
  const { row, repairs } = adoptCurrentState(go, context(shop));
  assertEquals([row?.active_color, row?.image, row?.status], [null, null, "stable"]);
  assertEquals(repairs.map((r) => r.reason), [
    "no deployment of shop brought up blue: what serves traffic is unknown",
  ]);
});

Deno.test("an app with deployments but no Go row gets one from its latest deployment", () => {
  const { row, repairs } = currentStateFromHistory(
    appHistories(API).get("api")!,
    new EventSummaries(),
  );
  assertEquals(row, {
    app_name: "api",
    deployment_id: 4,
    active_color: "green",
    image: "api:3",
    status: "stable",
    updated_at: "2025-07-24T10:01:00.000Z",
    legacy_status: null,
  });
  assertEquals(repairs.map((r) => [r.row, r.new_value, r.reason]), [[
    "app=api",
    "4",
    "app has deployments but no current_state row: created from them",
  ]]);
});
