import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "./_cli.ts";
import { query, tableCounts } from "./_db.ts";

const WEB_API = `${FIXTURES}apps/web-api.yaml`;
const WEB_API_V2 = `${FIXTURES}apps/web-api-v2.yaml`;
const WORKER = `${FIXTURES}apps/worker.yaml`;

interface Deployment {
  id: number;
  app_name: string;
  config_id: number | null;
  image: string;
  started_at: string;
  ended_at: string | null;
  status: string;
  active_color: string;
  rollback_of: number | null;
}

interface EventRow {
  id: number;
  deployment_id: number;
  event_type: string;
  from_state: string;
  to_state: string;
  payload: unknown;
  error: string | null;
}

interface StateRow {
  app_name: string;
  deployment_id: number;
  active_color: string | null;
  image: string | null;
  status: string;
}

interface StartResult {
  deployment: Deployment;
  config: { id: number; config_sha: string };
  config_created: boolean;
  state: StateRow;
}

const HAPPY = [
  "container_started",
  "health_check_passed",
  "caddy_updated",
  "drain_complete",
  "container_stopped",
];
const HEALTH_FAILS = ["container_started", "health_check_failed", "rollback_complete"];

async function start(db: string, args: string[]): Promise<Deployment> {
  return (await cliJson<StartResult>(db, ["deploy", "start", ...args])).deployment;
}

async function events(db: string, id: number, types: string[]): Promise<void> {
  for (const type of types) await cliJson(db, ["deploy", "event", String(id), type]);
}

async function state(db: string, app: string): Promise<StateRow> {
  return await cliJson<StateRow>(db, ["status", app]);
}

/** Runs a refused command and checks its exit status, error code and that nothing was written. */
async function refused(db: string, args: string[], exit: number, code: string): Promise<string> {
  const before = tableCounts(db);
  const result = await cli(["--db", db, ...args]);
  assertEquals(result.code, exit, `${args.join(" ")}: ${result.stderr}`);
  assertStringIncludes(result.stderr, `[${code}]`);
  assertEquals(result.stdout, "");
  assert(!/\bat .*\.ts:\d+/.test(result.stderr), "stack trace");
  assertEquals(tableCounts(db), before, `${args.join(" ")} wrote something`);
  return result.stderr;
}

Deno.test("happy path: start, five events, success; traffic moves on caddy_updated", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const started = await cliJson<StartResult>(db, [
    "deploy",
    "start",
    "web-api",
    "--image",
    "web-api:1.0",
    "--config",
    WEB_API,
  ]);
  assertEquals(started.config_created, true);
  const d = started.deployment;
  assertEquals([d.status, d.active_color, d.ended_at, d.rollback_of], [
    "in_progress",
    "blue",
    null,
    null,
  ]);
  assertEquals(started.state.status, "starting");
  // Never moved traffic yet: nothing is live.
  assertEquals([started.state.active_color, started.state.image], [null, null]);

  await events(db, d.id, HAPPY.slice(0, 2));
  assertEquals((await state(db, "web-api")).active_color, null);
  await events(db, d.id, ["caddy_updated"]);
  const switched = await state(db, "web-api");
  assertEquals([switched.status, switched.active_color, switched.image], [
    "draining",
    "blue",
    "web-api:1.0",
  ]);
  await events(db, d.id, HAPPY.slice(3));
  const done = await state(db, "web-api");
  assertEquals(done, { ...done, status: "stable", deployment_id: d.id, active_color: "blue" });

  const [history] = await cliJson<Deployment[]>(db, ["history", "web-api"]);
  assertEquals(history.status, "success");
  assert(history.ended_at !== null);

  const timeline = await cliJson<EventRow[]>(db, ["events", String(d.id)]);
  assertEquals(timeline.map((e) => e.event_type), ["deploy", ...HAPPY]);
  assertEquals(timeline.map((e) => `${e.from_state}>${e.to_state}`), [
    "stable>starting",
    "starting>health_check",
    "health_check>switching",
    "switching>draining",
    "draining>stopping",
    "stopping>stable",
  ]);

  // The second deployment goes to the other color, and reusing the config stores nothing.
  const second = await cliJson<StartResult>(db, [
    "deploy",
    "start",
    "web-api",
    "--image",
    "web-api:1.1",
    "--config",
    WEB_API,
  ]);
  assertEquals(second.config_created, false);
  assertEquals(second.config.id, started.config.id);
  assertEquals(second.deployment.active_color, "green");
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs"), [{ n: 1 }]);
});

Deno.test("auto-rollback: a failed health check ends rolled_back and leaves traffic alone", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const first = await start(db, ["web-api", "--image", "web-api:1.0", "--config", WEB_API]);
  await events(db, first.id, HAPPY);
  const second = await start(db, ["web-api", "--image", "web-api:2.0", "--config", WEB_API_V2]);
  assertEquals(second.active_color, "green");
  await cliJson(db, [
    "deploy",
    "event",
    "--app",
    "web-api",
    "container_started",
  ]);
  await cliJson(db, [
    "deploy",
    "event",
    String(second.id),
    "health_check_failed",
    "--error",
    "GET /health returned 503",
    "--payload",
    '{"status": 503, "attempts": [1, 2, 3]}',
  ]);
  assertEquals((await state(db, "web-api")).status, "rolling_back");
  await events(db, second.id, ["rollback_complete"]);
  const after = await state(db, "web-api");
  assertEquals([after.status, after.deployment_id, after.active_color, after.image], [
    "stable",
    second.id,
    "blue",
    "web-api:1.0",
  ]);
  const [latest] = await cliJson<Deployment[]>(db, ["history", "web-api", "--limit", "1"]);
  assertEquals([latest.id, latest.status], [second.id, "rolled_back"]);
  const failedCheck = (await cliJson<EventRow[]>(db, ["events", String(second.id)]))[2];
  assertEquals(failedCheck.payload, { status: 503, attempts: [1, 2, 3] });
  assertEquals(failedCheck.error, "GET /health returned 503");
  // Stored compactly.
  assertEquals(
    query(db, "SELECT payload FROM deployment_events WHERE id = ?", failedCheck.id),
    [{ payload: '{"status":503,"attempts":[1,2,3]}' }],
  );
});

Deno.test("refusals name the state and what it accepts, and write nothing", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["status"]);
  await refused(db, ["deploy", "start", "web-api", "--image", "x:1"], 3, "not_found");
  await cliJson(db, ["config", "add", WEB_API]);
  const d = await start(db, ["web-api", "--image", "web-api:1.0"]);
  const wrong = await refused(
    db,
    ["deploy", "event", String(d.id), "caddy_updated"],
    5,
    "invalid_transition",
  );
  assertStringIncludes(wrong, "state starting");
  assertStringIncludes(wrong, "container_started, container_failed");

  const busy = await refused(
    db,
    ["deploy", "start", "web-api", "--image", "web-api:2.0"],
    5,
    "deploy_in_progress",
  );
  assertStringIncludes(busy, `deployment ${d.id}`);
  assertStringIncludes(busy, "state starting");
  assertStringIncludes(busy, "dockswap-db recover web-api");
  assertStringIncludes(busy, `deploy event ${d.id}`);

  await refused(db, ["deploy", "event", String(d.id), "deploy"], 5, "invalid_transition");
  await refused(
    db,
    ["deploy", "event", String(d.id), "container_started", "--payload", "{nope"],
    4,
    "invalid_payload",
  );
  await refused(db, ["deploy", "event", String(d.id), "teleported"], 2, "invalid_argument");
  await refused(db, ["deploy", "event", "999", "container_started"], 3, "not_found");
  await refused(db, ["deploy", "event", "--app", "nope", "container_started"], 3, "not_found");
  await refused(db, ["deploy", "event", String(d.id)], 2, "invalid_argument");
  await refused(db, ["events", "999"], 3, "not_found");
  await refused(db, ["show", "999"], 3, "not_found");
  await refused(db, ["status", "worker"], 3, "not_found");

  await events(db, d.id, ["container_failed"]);
  const failed = await refused(
    db,
    ["deploy", "start", "web-api", "--image", "web-api:2.0"],
    5,
    "app_failed",
  );
  assertStringIncludes(failed, "dockswap-db recover web-api");
  // An ended deployment takes no more events except through the app's current state.
  await refused(
    db,
    ["deploy", "event", String(d.id), "container_started"],
    5,
    "invalid_transition",
  );
});

Deno.test("status lists apps by name; history filters by status", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  assertEquals(await cliJson(db, ["status"]), []);
  const w = await start(db, [
    "worker",
    "--image",
    "worker:1",
    "--config",
    WORKER,
    "--color",
    "green",
  ]);
  assertEquals(w.active_color, "green");
  const a = await start(db, ["web-api", "--image", "web-api:1", "--config", WEB_API]);
  await events(db, a.id, HAPPY);
  const all = await cliJson<StateRow[]>(db, ["status"]);
  assertEquals(all.map((s) => [s.app_name, s.status]), [["web-api", "stable"], [
    "worker",
    "starting",
  ]]);
  const b = await start(db, ["web-api", "--image", "web-api:2"]);
  await events(db, b.id, HEALTH_FAILS);
  const rolledBack = await cliJson<Deployment[]>(db, [
    "history",
    "web-api",
    "--status",
    "rolled_back",
  ]);
  assertEquals(rolledBack.map((d) => d.id), [b.id]);
  const everything = await cliJson<Deployment[]>(db, ["history", "web-api"]);
  assertEquals(everything.map((d) => d.id), [b.id, a.id]);
  assertEquals(await cliJson(db, ["history", "nobody"]), []);
});
