import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, createDatabase, FIXTURES, pasteIntoBash, tempDir } from "../_cli.ts";
import { DatabaseSync } from "node:sqlite";
import { query, tableCounts } from "../_db.ts";

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
  // Any JSON value is a payload, not only objects.
  for (const [text, value] of [["42", 42], ['"ok"', "ok"], ["[1, true]", [1, true]]] as const) {
    const third = await start(db, ["web-api", "--image", "web-api:3"]);
    const recorded = await cliJson<{ event: EventRow }>(db, [
      "deploy",
      "event",
      String(third.id),
      "container_failed",
      "--payload",
      text,
    ]);
    assertEquals(recorded.event.payload, value);
    await cliJson(db, ["recover", "web-api"]);
  }
  // Stored compactly.
  assertEquals(
    query(db, "SELECT payload FROM deployment_events WHERE id = ?", failedCheck.id),
    [{ payload: '{"status":503,"attempts":[1,2,3]}' }],
  );
});

Deno.test("refusals name the state and what it accepts, and write nothing", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
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

  // `deploy` is not an event `deploy event` takes (starting a deployment records it).
  const startEvent = await refused(
    db,
    ["deploy", "event", String(d.id), "deploy"],
    2,
    "invalid_argument",
  );
  assertStringIncludes(startEvent, "recorded only by starting a deployment");
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
  // A list of an app nothing was recorded of is a typo, not an empty answer.
  await refused(db, ["history", "wrokers"], 3, "not_found");
  await refused(db, ["config", "history", "wrokers"], 3, "not_found");
  assertEquals(await cliJson(db, ["history", "web-api", "--status", "failed"]), []);

  // Config problems: the wrong app's file, an id of another app, an invalid file.
  const mismatch = await refused(
    db,
    ["deploy", "start", "worker", "--image", "w:1", "--config", WEB_API],
    4,
    "config_invalid",
  );
  assertStringIncludes(mismatch, '"worker"');
  await refused(
    db,
    ["deploy", "start", "worker", "--image", "w:1", "--config-id", "1"],
    3,
    "not_found",
  );
  await refused(
    db,
    ["deploy", "start", "web-api", "--image", "w:1", "--config", `${FIXTURES}invalid/empty.yaml`],
    5,
    "deploy_in_progress",
  );
  await refused(
    db,
    ["deploy", "start", "worker", "--image", "w:1", "--config", `${FIXTURES}invalid/empty.yaml`],
    4,
    "config_invalid",
  );
  await refused(db, ["deploy", "start", "worker", "--image", "has space"], 2, "invalid_argument");

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
  await createDatabase(db);
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
  assertEquals((await cli(["--db", db, "history", "nobody"])).code, 3);
});

interface RecoverResult {
  recovered: boolean;
  from_state: string;
  message: string;
  event: EventRow | null;
  deployment: Deployment;
  state: StateRow;
}

Deno.test("failure + recover: failed app refuses deploys until recovered", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const d = await start(db, ["worker", "--image", "worker:1", "--config", WORKER]);
  await cliJson(db, ["deploy", "event", String(d.id), "container_failed", "--error", "OOM"]);
  const failed = await state(db, "worker");
  assertEquals([failed.status, failed.active_color], ["failed", null]);
  const [ended] = await cliJson<Deployment[]>(db, ["history", "worker"]);
  assertEquals(ended.status, "failed");

  const recovered = await cliJson<RecoverResult>(db, [
    "recover",
    "worker",
    "--reason",
    "image fixed",
  ]);
  assertEquals([recovered.recovered, recovered.from_state], [true, "failed"]);
  assertEquals(recovered.event?.event_type, "manual_recovery");
  assertEquals([recovered.event?.from_state, recovered.event?.to_state], ["failed", "stable"]);
  assertEquals(recovered.event?.payload, { reason: "image fixed" });
  assertEquals(recovered.deployment.status, "failed");
  assertEquals((await state(db, "worker")).status, "stable");

  // Recovering a stable app writes nothing and succeeds.
  const before = tableCounts(db);
  const again = await cli(["--db", db, "--json", "recover", "worker"]);
  assertEquals(again.code, 0);
  assertEquals(JSON.parse(again.stdout).recovered, false);
  assertStringIncludes(again.stderr, "nothing to recover");
  assertEquals(tableCounts(db), before);

  const next = await start(db, ["worker", "--image", "worker:2"]);
  await events(db, next.id, HAPPY);
  assertEquals((await state(db, "worker")).image, "worker:2");
});

Deno.test("stuck in flight + recover: the deployment ends failed with the reason, app unlocked", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const first = await start(db, ["web-api", "--image", "web-api:1", "--config", WEB_API]);
  await events(db, first.id, HAPPY);
  const stuck = await start(db, ["web-api", "--image", "web-api:2"]);
  await events(db, stuck.id, ["container_started", "health_check_passed", "caddy_updated"]);
  // A recovery is not an event `deploy event` accepts in flight: it points at `recover`.
  const hint = await refused(
    db,
    ["deploy", "event", String(stuck.id), "manual_recovery"],
    5,
    "invalid_transition",
  );
  assertStringIncludes(hint, "dockswap-db recover web-api");

  const result = await cliJson<RecoverResult>(db, [
    "recover",
    "web-api",
    "--reason",
    "orchestrator crashed",
  ]);
  assertEquals([result.recovered, result.from_state], [true, "draining"]);
  assertEquals(result.event?.error, "orchestrator crashed");
  assertEquals([result.event?.from_state, result.event?.to_state], ["draining", "stable"]);
  assertEquals(result.deployment.status, "failed");
  assert(result.deployment.ended_at !== null);
  // Traffic had moved to the stuck deployment before the crash; current state says so.
  const after = await state(db, "web-api");
  assertEquals([after.status, after.active_color, after.image], ["stable", "green", "web-api:2"]);

  // Without --reason the error still says what happened.
  const other = await start(db, ["web-api", "--image", "web-api:3"]);
  const plain = await cliJson<RecoverResult>(db, ["recover", "web-api"]);
  assertStringIncludes(plain.event?.error ?? "", "starting");
  assertEquals(plain.deployment.id, other.id);
  const next = await start(db, ["web-api", "--image", "web-api:4"]);
  assertEquals(next.active_color, "blue");
});

Deno.test("manual rollback: default target, --to, rollback links, same lifecycle", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  await refused(db, ["rollback", "web-api"], 3, "not_found");
  const v1 = await start(db, ["web-api", "--image", "web-api:1", "--config", WEB_API]);
  await events(db, v1.id, HAPPY);
  const none = await refused(db, ["rollback", "web-api"], 3, "not_found");
  assertStringIncludes(none, "--to");
  const v2 = await start(db, ["web-api", "--image", "web-api:2", "--config", WEB_API_V2]);
  await events(db, v2.id, HAPPY);
  const bad = await start(db, ["web-api", "--image", "web-api:3"]);
  await events(db, bad.id, HEALTH_FAILS);

  // Default: the most recent success other than the one live (v2 is live, bad never was).
  const back = await cliJson<StartResult>(db, ["rollback", "web-api"]);
  const r = back.deployment;
  assertEquals([r.rollback_of, r.image, r.config_id], [v1.id, "web-api:1", v1.config_id]);
  assertEquals(r.active_color, "blue");
  assertEquals(back.state.status, "starting");
  await refused(db, ["rollback", "web-api"], 5, "deploy_in_progress");
  await events(db, r.id, HAPPY);
  const live = await state(db, "web-api");
  assertEquals([live.active_color, live.image, live.deployment_id], ["blue", "web-api:1", r.id]);

  // --to any deployment of the app; another app's id is refused.
  const to = await cliJson<StartResult>(db, ["rollback", "web-api", "--to", String(v2.id)]);
  assertEquals([to.deployment.rollback_of, to.deployment.image], [v2.id, "web-api:2"]);
  await events(db, to.deployment.id, HEALTH_FAILS);
  const w = await start(db, ["worker", "--image", "worker:1", "--config", WORKER]);
  await refused(db, ["rollback", "web-api", "--to", String(w.id)], 3, "not_found");

  const history = await cliJson<Deployment[]>(db, ["history", "web-api"]);
  assertEquals(history.map((d) => [d.id, d.status, d.rollback_of]), [
    [to.deployment.id, "rolled_back", v2.id],
    [r.id, "success", v1.id],
    [bad.id, "rolled_back", null],
    [v2.id, "success", null],
    [v1.id, "success", null],
  ]);
});

Deno.test("show: config SHA, events and time in each state", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const started = await cliJson<StartResult>(db, [
    "deploy",
    "start",
    "web-api",
    "--image",
    "web-api:1",
    "--config",
    WEB_API,
  ]);
  const id = String(started.deployment.id);
  await events(db, started.deployment.id, ["container_started"]);
  const shown = await cliJson<{
    deployment: Deployment & { config_sha: string };
    events: EventRow[];
    states: {
      state: string;
      entered_at: string;
      left_at: string | null;
      duration_ms: number | null;
    }[];
  }>(db, ["show", id]);
  assertEquals(shown.deployment.config_sha, started.config.config_sha);
  assertEquals(shown.events.map((e) => e.event_type), ["deploy", "container_started"]);
  assertEquals(shown.states.map((s) => [s.state, s.left_at === null]), [
    ["starting", false],
    ["health_check", true],
  ]);
  assert(shown.states[0].duration_ms! >= 0);
  await events(db, started.deployment.id, HAPPY.slice(1));
  const done = await cliJson<typeof shown>(db, ["show", id]);
  assertEquals(done.states.map((s) => s.state), [
    "starting",
    "health_check",
    "switching",
    "draining",
    "stopping",
  ]);
  const table = await cli(["--db", db, "show", id]);
  assertEquals(table.code, 0);
  assertStringIncludes(table.stdout, "config_sha");
  assertStringIncludes(table.stdout, "Time in each state");
  const csv = await cli(["--db", db, "--format", "csv", "events", id]);
  assertEquals(
    csv.stdout.split("\r\n")[0],
    "id,deployment_id,app_name,event_type,from_state,to_state,payload,error,created_at,hash",
  );
});

Deno.test("race: two processes start one app's deploy; exactly one wins", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(
      [1, 2].map((n) =>
        cli(["--db", db, "deploy", "start", "web-api", "--image", `web-api:${round}.${n}`])
      ),
    );
    const codes = results.map((r) => r.code).sort();
    assertEquals(codes, [0, 5], results.map((r) => r.stderr).join("\n"));
    const loser = results.find((r) => r.code === 5)!;
    assertStringIncludes(loser.stderr, "[deploy_in_progress]");
    assertStringIncludes(loser.stderr, "dockswap-db recover web-api");
    assertEquals(
      query(db, "SELECT count(*) AS n FROM deployments WHERE status = 'in_progress'"),
      [{ n: 1 }],
    );
    await cliJson(db, ["recover", "web-api"]);
  }
  assertEquals(query(db, "SELECT count(*) AS n FROM deployments"), [{ n: 3 }]);
  assertEquals(
    query(db, "SELECT count(*) AS n FROM deployment_events WHERE event_type = 'deploy'"),
    [{ n: 3 }],
  );
});

Deno.test("--color: first deploy chooses, later ones must take the other color", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const g = await start(db, ["web-api", "--image", "w:1", "--config", WEB_API, "--color", "green"]);
  assertEquals(g.active_color, "green");
  await events(db, g.id, HAPPY);
  const conflict = await refused(
    db,
    ["deploy", "start", "web-api", "--image", "w:2", "--color", "green"],
    2,
    "invalid_argument",
  );
  assertStringIncludes(conflict, "live on green");
  const b = await start(db, ["web-api", "--image", "w:2", "--color", "blue"]);
  assertEquals(b.active_color, "blue");
  const both = await cli([
    "--db",
    db,
    "deploy",
    "start",
    "worker",
    "--image",
    "w:1",
    "--config",
    WORKER,
    "--config-id",
    "1",
  ]);
  assertEquals(both.code, 2);
  assertStringIncludes(both.stderr, "cannot be used with");
});

Deno.test("the partial unique index is the last guard against a second deployment in flight", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const d = await start(db, ["web-api", "--image", "w:1", "--config", WEB_API]);
  await events(db, d.id, HAPPY);
  // Simulate a hand-edited file: a deployment in progress that current_state does not know.
  const raw = new DatabaseSync(db);
  raw.exec(
    `INSERT INTO deployments (app_name, config_id, image, started_at, status, active_color)
     VALUES ('web-api', ${d.config_id}, 'w:ghost', '2026-01-01T00:00:00.000Z', 'in_progress', 'green')`,
  );
  raw.close();
  const message = await refused(
    db,
    ["deploy", "start", "web-api", "--image", "w:2"],
    5,
    "deploy_in_progress",
  );
  assertStringIncludes(message, `deployment ${d.id + 1} in progress`);
});

Deno.test("reads never write: status, history, events and show leave every row as it was", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const d = await start(db, ["web-api", "--image", "w:1", "--config", WEB_API]);
  await events(db, d.id, ["container_started"]);
  const snapshot = () => ({
    counts: tableCounts(db),
    state: query(db, "SELECT * FROM current_state"),
    deployments: query(db, "SELECT * FROM deployments"),
  });
  const before = snapshot();
  for (
    const args of [
      ["status"],
      ["status", "web-api"],
      ["history", "web-api"],
      ["events", String(d.id)],
      ["show", String(d.id)],
      ["status", "never-deployed"],
    ]
  ) {
    await cli(["--db", db, ...args]);
  }
  assertEquals(snapshot(), before);
});

Deno.test("the next step that deploy start and rollback print pastes into a shell anywhere and records the event in this database", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/with space.db`;
  const pasteNext = async (stderr: string) => {
    const next = /; next: (.+)$/m.exec(stderr)?.[1];
    assert(next, stderr);
    const pasted = await pasteIntoBash(next, "/");
    assertEquals(pasted.code, 0, `${next}: ${pasted.stderr}`);
  };
  const started = await cli([
    "--db",
    db,
    "deploy",
    "start",
    "web-api",
    "--image",
    "w:1",
    "--config",
    WEB_API,
  ]);
  assertEquals(started.code, 0, started.stderr);
  const recordEvents = async (events: string[]) => {
    for (const event of events) {
      const recorded = await cli(["--db", db, "deploy", "event", "--app", "web-api", event]);
      assertEquals(recorded.code, 0, recorded.stderr);
    }
  };
  const toStable = ["health_check_passed", "caddy_updated", "drain_complete", "container_stopped"];
  await pasteNext(started.stderr); // container_started, as printed
  await recordEvents(toStable);
  await cliJson(db, ["deploy", "start", "web-api", "--image", "w:2"]);
  await recordEvents(["container_started", ...toStable]);
  const rolledBack = await cli(["--db", db, "rollback", "web-api"]);
  assertEquals(rolledBack.code, 0, rolledBack.stderr);
  await pasteNext(rolledBack.stderr);
  assertEquals(
    query(
      db,
      "SELECT deployment_id AS d FROM deployment_events WHERE event_type = 'container_started' ORDER BY id",
    ),
    [{ d: 1 }, { d: 2 }, { d: 3 }],
  );
});
