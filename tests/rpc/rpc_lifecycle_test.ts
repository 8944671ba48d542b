/** The deployment lifecycle over `dockswap-db rpc`: the same results as the CLI, the same refusals. */
import { assertEquals } from "../_assert.ts";
import { cli, FIXTURES, tempDir } from "../_cli.ts";
import { tableCounts } from "../_db.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";

const WEB_API = `${FIXTURES}apps/web-api.yaml`;
const WEB_API_V2 = `${FIXTURES}apps/web-api-v2.yaml`;
const webApi = Deno.readTextFileSync(WEB_API);
const webApiV2 = Deno.readTextFileSync(WEB_API_V2);

/** One step: the RPC call and the CLI command that must print the same object. */
type Step = [method: string, params: Record<string, unknown>, cliArgs: string[]];

const event = (id: number, type: string, extra: Record<string, unknown> = {}): Step => [
  "deploy.event",
  { deployment_id: id, event_type: type, ...extra },
  [
    "deploy",
    "event",
    String(id),
    type,
    ...(extra.payload === undefined ? [] : ["--payload", JSON.stringify(extra.payload)]),
    ...(extra.error === undefined ? [] : ["--error", String(extra.error)]),
  ],
];

const byApp = (type: string): Step => [
  "deploy.event",
  { app_name: "web-api", event_type: type },
  ["deploy", "event", "2", type],
];

const STEPS: Step[] = [
  ["config.add", { config_yaml: webApi }, ["config", "add", WEB_API]],
  ["deploy.start", { app_name: "web-api", image: "reg/web-api:1" }, [
    "deploy",
    "start",
    "web-api",
    "--image",
    "reg/web-api:1",
  ]],
  event(1, "container_started", { payload: { container: "web-api-blue", port: 8081 } }),
  event(1, "health_check_passed"),
  event(1, "caddy_updated"),
  event(1, "drain_complete"),
  event(1, "container_stopped"),
  ["deploy.start", { app_name: "web-api", image: "reg/web-api:2", config_yaml: webApiV2 }, [
    "deploy",
    "start",
    "web-api",
    "--image",
    "reg/web-api:2",
    "--config",
    WEB_API_V2,
  ]],
  byApp("container_started"),
  byApp("health_check_passed"),
  byApp("caddy_updated"),
  byApp("drain_complete"),
  byApp("container_stopped"),
  ["deploy.rollback", { app_name: "web-api" }, ["rollback", "web-api"]],
  event(3, "container_started"),
  event(3, "health_check_failed", { error: "HTTP 503 from /health" }),
  event(3, "rollback_failed", { error: "old container gone" }),
  ["deploy.recover", { app_name: "web-api", reason: "fixed by hand" }, [
    "recover",
    "web-api",
    "--reason",
    "fixed by hand",
  ]],
  ["deploy.get", { deployment_id: 1 }, ["show", "1"]],
  ["deploy.get", { deployment_id: 3 }, ["show", "3"]],
  ["deploy.history", { app_name: "web-api" }, ["history", "web-api"]],
  ["deploy.history", { app_name: "web-api", status: "success", limit: 1 }, [
    "history",
    "web-api",
    "--status",
    "success",
    "--limit",
    "1",
  ]],
  ["events.list", { deployment_id: 3 }, ["events", "3"]],
  ["state.get", { app_name: "web-api" }, ["status", "web-api"]],
  ["state.list", {}, ["status"]],
  ["config.history", { app_name: "web-api" }, ["config", "history", "web-api"]],
];

/**
 * The object with every timestamp, duration and chain hash (which covers the times) replaced, so
 * that two runs compare equal.
 */
function timeless(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value)
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<time>")
      .replace(/"duration_ms":\d+/g, '"duration_ms":0')
      .replace(/"(hash|chain_head)":"[0-9a-f]{64}"/g, '"$1":"<hash>"'),
  );
}

Deno.test("rpc: every lifecycle method answers what the same CLI command prints with --json", async () => {
  await using dir = await tempDir();
  const rpcDb = `${dir.path}/rpc.db`;
  const cliDb = `${dir.path}/cli.db`;
  const responses = (await rpcLines(
    rpcDb,
    STEPS.map(([method, params], i) => request(i + 1, method, params)),
  )) as RpcResponse[];
  assertEquals(responses.map((r) => r.id), STEPS.map((_, i) => i + 1));
  for (const [i, [method, , args]] of STEPS.entries()) {
    const response = responses[i];
    assertEquals(response.error, undefined, `${method}: ${JSON.stringify(response.error)}`);
    const printed = await cli(["--db", cliDb, "--json", ...args]);
    assertEquals(
      timeless(response.result),
      timeless(JSON.parse(printed.stdout)),
      `${method} vs dockswap-db ${args.join(" ")}`,
    );
  }
  const methods = new Set(STEPS.map(([method]) => method));
  for (
    const name of [
      "deploy.start",
      "deploy.event",
      "deploy.rollback",
      "deploy.recover",
      "deploy.get",
      "deploy.history",
      "events.list",
      "state.get",
      "state.list",
    ]
  ) {
    assertEquals(methods.has(name), true, name);
  }
});

Deno.test("rpc: lifecycle refusals carry the CLI's stable codes and write nothing", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const setup = (await rpcLines(db, [
    request(1, "config.add", { config_yaml: webApi }),
    request(2, "deploy.start", { app_name: "web-api", image: "reg/web-api:1" }),
  ])) as RpcResponse[];
  assertEquals(setup.map((r) => r.error), [undefined, undefined]);
  const before = tableCounts(db);
  const refusals = (await rpcLines(db, [
    request(1, "deploy.start", { app_name: "web-api", image: "reg/web-api:2" }),
    request(2, "deploy.event", { deployment_id: 1, event_type: "caddy_updated" }),
    request(3, "deploy.event", { deployment_id: 99, event_type: "container_started" }),
    request(4, "deploy.get", { deployment_id: 99 }),
    request(5, "state.get", { app_name: "nobody" }),
    request(6, "deploy.event", { deployment_id: 1, event_type: "exploded" }),
    request(7, "deploy.event", { event_type: "container_started" }),
    request(8, "deploy.start", { app_name: "web-api", image: "reg/web-api:2", color: "purple" }),
    request(9, "deploy.history", { app_name: "web-api", status: "done" }),
    request(10, "deploy.start", { app_name: "other", image: "x:1", config_id: 1 }),
  ])) as RpcResponse[];
  assertEquals(
    refusals.map((r) => [r.id, r.error?.code, r.error?.data?.code]),
    [
      [1, -32011, "deploy_in_progress"],
      [2, -32010, "invalid_transition"],
      [3, -32001, "not_found"],
      [4, -32001, "not_found"],
      [5, -32001, "not_found"],
      [6, -32602, "invalid_argument"],
      [7, -32602, "invalid_argument"],
      [8, -32602, "invalid_argument"],
      [9, -32602, "invalid_argument"],
      [10, -32001, "not_found"],
    ],
  );
  assertEquals(tableCounts(db), before);
});

Deno.test("rpc: a failing event in a pipelined group leaves the other apps' lifecycles committed", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const config = (app: string) => webApi.replace(/^name: web-api$/m, `name: ${app}`);
  const lines: string[] = [];
  for (const app of ["a", "b", "c"]) {
    lines.push(request(`${app}-config`, "config.add", { config_yaml: config(app) }));
    lines.push(request(`${app}-start`, "deploy.start", { app_name: app, image: `${app}:1` }));
  }
  // b's event is out of order (refused); a's and c's events around it must still commit.
  lines.push(request("a-1", "deploy.event", { app_name: "a", event_type: "container_started" }));
  lines.push(request("b-1", "deploy.event", { app_name: "b", event_type: "drain_complete" }));
  lines.push(request("c-1", "deploy.event", { app_name: "c", event_type: "container_started" }));
  lines.push(request("states", "state.list"));
  const responses = (await rpcLines(db, lines)) as RpcResponse[];
  assertEquals(
    responses.map((r) => r.error?.data?.code ?? "ok"),
    ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "invalid_transition", "ok", "ok"],
  );
  const states = responses.at(-1)!.result as { app_name: string; status: string }[];
  assertEquals(states.map((s) => [s.app_name, s.status]), [
    ["a", "health_check"],
    ["b", "starting"],
    ["c", "health_check"],
  ]);
});
