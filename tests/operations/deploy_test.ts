/**
 * operations/deploy.ts and history.ts in-process, on a real database with a fixed clock: every
 * timestamp a call stores is the clock's, and a refused call writes nothing.
 */
import { createHash } from "node:crypto";
import { DockswapError } from "../../src/errors.ts";
import { execute, OPERATIONS } from "../../src/operations/mod.ts";
import type { OperationContext } from "../../src/operations/operation.ts";
import { assert, assertEquals } from "../_assert.ts";
import { FIXTURES } from "../_cli.ts";
import { query, tableCounts } from "../_db.ts";
import { at, data, T0, unitDb } from "../_unit_db.ts";

const WORKER = Deno.readTextFileSync(`${FIXTURES}apps/worker.yaml`);
const SUCCESS = ["container_started", "health_check_passed", "caddy_updated", "drain_complete"];

function call(context: OperationContext, method: string, params: unknown): unknown {
  const operation = OPERATIONS.get(method);
  assert(operation, `no operation ${method}`);
  return data(execute(context, operation, params));
}

/** Runs the call, expecting a typed refusal; returns it. */
function refusal(context: OperationContext, method: string, params: unknown): DockswapError {
  try {
    call(context, method, params);
  } catch (error) {
    if (error instanceof DockswapError) return error;
    throw error;
  }
  throw new Error(`${method} was not refused`);
}

/** Records the events that take a started deployment to success, one second apart from `from`. */
function succeed(context: OperationContext, clock: { time: string }, id: number, from: number) {
  SUCCESS.forEach((event_type, i) => {
    clock.time = at(from + i);
    call(context, "deploy.event", { deployment_id: id, event_type });
  });
  clock.time = at(from + SUCCESS.length);
  return call(context, "deploy.event", { deployment_id: id, event_type: "container_stopped" });
}

Deno.test("operations: config.add stores a version at the clock's time, once per distinct YAML", async () => {
  await using u = await unitDb();
  const added = call(u.context, "config.add", { config_yaml: WORKER }) as {
    created: boolean;
    config: { id: number; app_name: string; created_at: string };
  };
  assertEquals([added.created, added.config.app_name, added.config.created_at], [
    true,
    "worker",
    T0,
  ]);
  u.clock.time = at(60);
  const again = call(u.context, "config.add", { config_yaml: WORKER }) as typeof added;
  assertEquals([again.created, again.config.id, again.config.created_at], [false, 1, T0]);
  assertEquals(
    query(u.path, "SELECT config_yaml, created_at FROM app_configs"),
    [{ config_yaml: WORKER, created_at: T0 }],
  );
});

Deno.test("operations: deploy.start records the deployment, its deploy event and state at the clock's time", async () => {
  await using u = await unitDb();
  const started = call(u.context, "deploy.start", {
    app_name: "worker",
    image: "worker:1",
    config_yaml: WORKER,
  });
  assertEquals(started, {
    deployment: {
      id: 1,
      app_name: "worker",
      config_id: 1,
      image: "worker:1",
      started_at: T0,
      ended_at: null,
      status: "in_progress",
      active_color: "blue",
      rollback_of: null,
    },
    config: {
      id: 1,
      app_name: "worker",
      config_sha: (started as { config: { config_sha: string } }).config.config_sha,
      created_at: T0,
    },
    config_created: true,
    event: {
      id: 1,
      deployment_id: 1,
      app_name: "worker",
      event_type: "deploy",
      from_state: "stable",
      to_state: "starting",
      payload: { color: "blue", config_id: 1, image: "worker:1" },
      error: null,
      created_at: T0,
      // The first link of its deployment's chain, by docs/monitoring.md's algorithm.
      hash: createHash("sha256").update(
        `[1,1,"worker","deploy","stable","starting",` +
          `{"image":"worker:1","config_id":1,"color":"blue"},null,"${T0}",null]`,
      ).digest("hex"),
    },
    state: {
      app_name: "worker",
      deployment_id: 1,
      active_color: null,
      image: null,
      status: "starting",
      updated_at: T0,
    },
  });
});

Deno.test("operations: a second deploy.start while one is in flight is deploy_in_progress and writes nothing", async () => {
  await using u = await unitDb();
  call(u.context, "deploy.start", { app_name: "worker", image: "worker:1", config_yaml: WORKER });
  const before = tableCounts(u.path);
  u.clock.time = at(5);
  const refused = refusal(u.context, "deploy.start", {
    app_name: "worker",
    image: "worker:2",
    config_yaml: `${WORKER}# a new version, not stored: the call is refused\n`,
  });
  assertEquals(refused.code, "deploy_in_progress");
  assertEquals(refused.details, { app_name: "worker", deployment_id: 1, state: "starting" });
  assertEquals(tableCounts(u.path), before);
  assertEquals(query(u.path, "SELECT status, updated_at FROM current_state"), [
    { status: "starting", updated_at: T0 },
  ]);
});

Deno.test("operations: deploy.event walks the lifecycle; the last event ends the deployment at its time", async () => {
  await using u = await unitDb();
  call(u.context, "deploy.start", { app_name: "worker", image: "worker:1", config_yaml: WORKER });
  const last = succeed(u.context, u.clock, 1, 1) as {
    deployment: { status: string; ended_at: string };
    state: { status: string; active_color: string; image: string; updated_at: string };
  };
  assertEquals(last.deployment.status, "success");
  assertEquals(last.deployment.ended_at, at(5));
  assertEquals(
    [last.state.status, last.state.active_color, last.state.image, last.state.updated_at],
    ["stable", "blue", "worker:1", at(5)],
  );
  assertEquals(
    query(u.path, "SELECT event_type, to_state, created_at FROM deployment_events ORDER BY id"),
    [
      { event_type: "deploy", to_state: "starting", created_at: T0 },
      { event_type: "container_started", to_state: "health_check", created_at: at(1) },
      { event_type: "health_check_passed", to_state: "switching", created_at: at(2) },
      { event_type: "caddy_updated", to_state: "draining", created_at: at(3) },
      { event_type: "drain_complete", to_state: "stopping", created_at: at(4) },
      { event_type: "container_stopped", to_state: "stable", created_at: at(5) },
    ],
  );
});

Deno.test("operations: an event the state does not accept is invalid_transition and writes nothing", async () => {
  await using u = await unitDb();
  call(u.context, "deploy.start", { app_name: "worker", image: "worker:1", config_yaml: WORKER });
  const before = tableCounts(u.path);
  u.clock.time = at(1);
  const refused = refusal(u.context, "deploy.event", {
    deployment_id: 1,
    event_type: "caddy_updated",
  });
  assertEquals(refused.code, "invalid_transition");
  assertEquals(tableCounts(u.path), before);
  assertEquals(query(u.path, "SELECT status FROM current_state"), [{ status: "starting" }]);
});

Deno.test("operations: deploy.rollback starts a deployment of the last other success, linked to it", async () => {
  await using u = await unitDb();
  call(u.context, "deploy.start", { app_name: "worker", image: "worker:1", config_yaml: WORKER });
  succeed(u.context, u.clock, 1, 1);
  u.clock.time = at(10);
  call(u.context, "deploy.start", { app_name: "worker", image: "worker:2" });
  succeed(u.context, u.clock, 2, 11);
  u.clock.time = at(20);
  const rollback = call(u.context, "deploy.rollback", { app_name: "worker" }) as {
    deployment: Record<string, unknown>;
  };
  assertEquals(rollback.deployment, {
    id: 3,
    app_name: "worker",
    config_id: 1,
    image: "worker:1",
    started_at: at(20),
    ended_at: null,
    status: "in_progress",
    // Deployment 1 went live on blue, 2 on green: the rollback brings up the other one, blue.
    active_color: "blue",
    rollback_of: 1,
  });
  const history = call(u.context, "deploy.history", { app_name: "worker" }) as { id: number }[];
  assertEquals(history.map((d) => d.id), [3, 2, 1]);
});

Deno.test("operations: deploy.recover abandons an in-flight deployment at the clock's time", async () => {
  await using u = await unitDb();
  call(u.context, "deploy.start", { app_name: "worker", image: "worker:1", config_yaml: WORKER });
  u.clock.time = at(30);
  const recovered = call(u.context, "deploy.recover", { app_name: "worker", reason: "stuck" }) as {
    recovered: boolean;
    from_state: string;
    deployment: { status: string; ended_at: string };
    event: { event_type: string; error: string; created_at: string };
    state: { status: string; updated_at: string };
  };
  assertEquals(
    [recovered.recovered, recovered.from_state, recovered.deployment.status],
    [true, "starting", "failed"],
  );
  assertEquals(recovered.deployment.ended_at, at(30));
  assertEquals(
    [recovered.event.event_type, recovered.event.error, recovered.event.created_at],
    ["manual_recovery", "stuck", at(30)],
  );
  assertEquals([recovered.state.status, recovered.state.updated_at], ["stable", at(30)]);
  // From stable, nothing is written.
  const before = tableCounts(u.path);
  u.clock.time = at(40);
  const again = call(u.context, "deploy.recover", { app_name: "worker" }) as { recovered: boolean };
  assertEquals(again.recovered, false);
  assertEquals(tableCounts(u.path), before);
});

Deno.test("operations: state.get and deploy.history of an app that never deployed are not_found", async () => {
  await using u = await unitDb();
  assertEquals(refusal(u.context, "state.get", { app_name: "worker" }).code, "not_found");
  assertEquals(refusal(u.context, "deploy.history", { app_name: "worker" }).code, "not_found");
  call(u.context, "deploy.start", { app_name: "worker", image: "worker:1", config_yaml: WORKER });
  assertEquals(call(u.context, "state.get", { app_name: "worker" }), {
    app_name: "worker",
    deployment_id: 1,
    active_color: null,
    image: null,
    status: "starting",
    updated_at: T0,
  });
});
