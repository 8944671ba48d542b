/** store/configs.ts, events.ts and current_state.ts in-process: each table written and read back. */
import {
  configBefore,
  configHistory,
  insertConfig,
  latestConfig,
} from "../../src/store/configs.ts";
import {
  allCurrentStates,
  currentState,
  insertCurrentState,
  updateCurrentState,
} from "../../src/store/current_state.ts";
import { insertDeployment } from "../../src/store/deployments.ts";
import { eventsOfDeployment, insertEvent } from "../../src/store/events.ts";
import { assertEquals } from "../_assert.ts";
import { query } from "../_db.ts";
import { at, plain, T0, unitDb } from "../_unit_db.ts";

function config(app: string, yaml: string, createdAt: string) {
  return { app_name: app, config_yaml: yaml, config_sha: "a".repeat(64), created_at: createdAt };
}

Deno.test("store: config versions are kept in order; latest, before and history read them", async () => {
  await using u = await unitDb();
  const v1 = u.db.write(() => insertConfig(u.db, config("web", "name: web\n", T0)));
  const v2 = u.db.write(() => insertConfig(u.db, config("web", "name: web # 2\n", at(1))));
  u.db.write(() => insertConfig(u.db, config("api", "name: api\n", at(2))));
  assertEquals(plain(latestConfig(u.db, "web")), v2);
  assertEquals(plain(configBefore(u.db, v2)), v1);
  assertEquals(configBefore(u.db, v1), undefined);
  assertEquals(latestConfig(u.db, "nope"), undefined);
  assertEquals(
    configHistory(u.db, "web", 10).map((c) => [c.id, c.created_at]),
    [[v2.id, at(1)], [v1.id, T0]],
  );
  assertEquals(configHistory(u.db, "web", 1).length, 1);
});

Deno.test("store: an event's payload is stored compactly and read back parsed; none is NULL", async () => {
  await using u = await unitDb();
  const c = u.db.write(() => insertConfig(u.db, config("web", "name: web\n", T0)));
  const d = u.db.write(() =>
    insertDeployment(u.db, {
      app_name: "web",
      config_id: c.id,
      image: "web:1",
      started_at: T0,
      ended_at: null,
      status: "in_progress",
      active_color: "green",
      rollback_of: null,
    })
  );
  const common = { deployment_id: d.id, app_name: "web", error: null };
  const first = u.db.write(() =>
    insertEvent(u.db, {
      ...common,
      event_type: "deploy",
      from_state: "stable",
      to_state: "starting",
      payload: { b: [1, 2], a: "x" },
      created_at: T0,
    })
  );
  u.db.write(() =>
    insertEvent(u.db, {
      ...common,
      event_type: "container_started",
      from_state: "starting",
      to_state: "health_check",
      payload: undefined,
      created_at: at(3),
    })
  );
  assertEquals(
    query(u.path, "SELECT payload FROM deployment_events ORDER BY id").map((r) => r.payload),
    ['{"b":[1,2],"a":"x"}', null],
  );
  const events = eventsOfDeployment(u.db, d.id).map(plain);
  assertEquals(events[0], first);
  assertEquals(events.map((e) => [e.event_type, e.payload, e.created_at]), [
    ["deploy", { b: [1, 2], a: "x" }, T0],
    ["container_started", null, at(3)],
  ]);
});

Deno.test("store: an app's current state is inserted once, then only its changed columns are updated", async () => {
  await using u = await unitDb();
  const c = u.db.write(() => insertConfig(u.db, config("web", "name: web\n", T0)));
  const d = u.db.write(() =>
    insertDeployment(u.db, {
      app_name: "web",
      config_id: c.id,
      image: "web:1",
      started_at: T0,
      ended_at: null,
      status: "in_progress",
      active_color: "blue",
      rollback_of: null,
    })
  );
  const starting = {
    app_name: "web",
    deployment_id: d.id,
    active_color: null,
    image: null,
    status: "starting" as const,
    updated_at: T0,
  };
  assertEquals(u.db.write(() => insertCurrentState(u.db, starting)), starting);
  assertEquals(plain(currentState(u.db, "web")), starting);
  const live = { ...starting, active_color: "blue" as const, image: "web:1", updated_at: at(9) };
  const change = {
    active_color: live.active_color,
    image: live.image,
    status: "draining" as const,
  };
  // What the update returns is what a read gives back, with the unchanged columns kept.
  const updated = u.db.write(() =>
    updateCurrentState(u.db, starting, { ...change, updated_at: live.updated_at })
  );
  assertEquals(JSON.stringify(updated), JSON.stringify(plain(currentState(u.db, "web"))));
  assertEquals(updated, { ...live, status: "draining" });
  const later = u.db.write(() => updateCurrentState(u.db, updated, { updated_at: at(10) }));
  assertEquals(plain(currentState(u.db, "web")), { ...updated, updated_at: at(10) });
  assertEquals(later, { ...updated, updated_at: at(10) });
  assertEquals(allCurrentStates(u.db).length, 1);
  assertEquals(currentState(u.db, "api"), undefined);
});
