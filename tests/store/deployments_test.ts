/** store/deployments.ts and current_deployment.ts in-process: inserts, reads, the in-flight constraint as a typed error. */
import { DockswapError } from "../../src/errors.ts";
import { insertConfig } from "../../src/store/configs.ts";
import { currentDeployment, deploymentWithState } from "../../src/store/current_deployment.ts";
import {
  currentState,
  insertCurrentState,
  updateCurrentState,
} from "../../src/store/current_state.ts";
import {
  deploymentById,
  deploymentHistory,
  endDeployment,
  inProgressDeployment,
  insertDeployment,
  lastSuccessfulDeployment,
} from "../../src/store/deployments.ts";
import { assert, assertEquals } from "../_assert.ts";
import { tableCounts } from "../_db.ts";
import { at, plain, T0, unitDb } from "../_unit_db.ts";

function newDeployment(app: string, configId: number, startedAt: string, image = "web:1") {
  return {
    app_name: app,
    config_id: configId,
    image,
    started_at: startedAt,
    ended_at: null,
    status: "in_progress" as const,
    active_color: "blue" as const,
    rollback_of: null,
  };
}

function storeConfig(db: Parameters<typeof insertConfig>[0], app: string) {
  return insertConfig(db, {
    app_name: app,
    config_yaml: `name: ${app}\n`,
    config_sha: "0".repeat(64),
    created_at: T0,
  });
}

Deno.test("store: a deployment is stored and read back by id, in progress, and in history", async () => {
  await using u = await unitDb();
  const config = u.db.write(() => storeConfig(u.db, "web"));
  const stored = u.db.write(() => insertDeployment(u.db, newDeployment("web", config.id, T0)));
  assertEquals(stored, { id: 1, ...newDeployment("web", config.id, T0) });
  assertEquals(plain(deploymentById(u.db, stored.id)), stored);
  assertEquals(plain(inProgressDeployment(u.db, "web")), stored);
  assertEquals(inProgressDeployment(u.db, "other"), undefined);
  assertEquals(deploymentHistory(u.db, "web", { limit: 10 }).map(plain), [stored]);
});

Deno.test("store: a second in-flight deployment of an app is deploy_in_progress with its facts", async () => {
  await using u = await unitDb();
  const config = u.db.write(() => storeConfig(u.db, "web"));
  const first = u.db.write(() => insertDeployment(u.db, newDeployment("web", config.id, T0)));
  const before = tableCounts(u.path);
  let caught: unknown;
  try {
    u.db.write(() => insertDeployment(u.db, newDeployment("web", config.id, at(5), "web:2")));
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof DockswapError, `expected a DockswapError, got ${caught}`);
  assertEquals(caught.code, "deploy_in_progress");
  assertEquals(caught.details, { app_name: "web", deployment_id: first.id, started_at: T0 });
  assertEquals(tableCounts(u.path), before);
  // Another app is not held by web's deployment.
  const other = u.db.write(() => storeConfig(u.db, "api"));
  u.db.write(() => insertDeployment(u.db, newDeployment("api", other.id, at(6))));
});

Deno.test("store: an ended deployment frees its app and is the last success", async () => {
  await using u = await unitDb();
  const config = u.db.write(() => storeConfig(u.db, "web"));
  const first = u.db.write(() => insertDeployment(u.db, newDeployment("web", config.id, T0)));
  u.db.write(() => endDeployment(u.db, first.id, "success", at(10)));
  assertEquals(deploymentById(u.db, first.id)?.status, "success");
  assertEquals(deploymentById(u.db, first.id)?.ended_at, at(10));
  assertEquals(inProgressDeployment(u.db, "web"), undefined);
  // Ending again changes nothing: only an in-flight deployment ends.
  u.db.write(() => endDeployment(u.db, first.id, "failed", at(20)));
  assertEquals(deploymentById(u.db, first.id)?.status, "success");
  const second = u.db.write(() =>
    insertDeployment(u.db, newDeployment("web", config.id, at(30), "web:2"))
  );
  assertEquals(second.id, 2);
  assertEquals(lastSuccessfulDeployment(u.db, "web", second.id)?.id, first.id);
  assertEquals(lastSuccessfulDeployment(u.db, "web", first.id), undefined);
  assertEquals(deploymentHistory(u.db, "web", { limit: 10 }).map((d) => d.id), [2, 1]);
});

Deno.test("store: a deployment with its app's state is one read that gives what the two reads give", async () => {
  await using u = await unitDb();
  const config = u.db.write(() => storeConfig(u.db, "web"));
  const first = u.db.write(() => insertDeployment(u.db, newDeployment("web", config.id, T0)));
  // No state row yet: the deployment alone (only a hand-edited file gets here).
  assertEquals(plain(deploymentWithState(u.db, first.id)!.deployment), first);
  assertEquals(deploymentWithState(u.db, first.id)!.current, undefined);
  assertEquals(currentDeployment(u.db, "web"), undefined);
  assertEquals(deploymentWithState(u.db, first.id + 1), undefined);
  u.db.write(() => {
    endDeployment(u.db, first.id, "success", at(1));
    insertCurrentState(u.db, {
      app_name: "web",
      deployment_id: first.id,
      active_color: "blue",
      image: "web:1",
      status: "stable",
      updated_at: at(1),
    });
  });
  const second = u.db.write(() => {
    const d = insertDeployment(u.db, newDeployment("web", config.id, at(2), "web:2"));
    updateCurrentState(u.db, currentState(u.db, "web")!, {
      deployment_id: d.id,
      status: "starting",
      updated_at: at(2),
    });
    return d;
  });
  const state = plain(currentState(u.db, "web"));
  const both = (deployment: number) => ({
    deployment: plain(deploymentById(u.db, deployment)),
    current: state,
  });
  // Same values and the same key order as the object reads (results are serialized from them).
  const joined = currentDeployment(u.db, "web")!;
  assertEquals(JSON.stringify(joined), JSON.stringify(both(second.id)));
  assertEquals(JSON.stringify(deploymentWithState(u.db, first.id)), JSON.stringify(both(first.id)));
  assertEquals(currentDeployment(u.db, "api"), undefined);
});
