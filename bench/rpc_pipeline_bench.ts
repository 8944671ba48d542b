/**
 * Pipelined JSON-RPC lifecycle stream vs a raw node:sqlite loop, measured in the same run.
 *
 * RPC side: the real `dockswap-db rpc` subprocess, fed through a pipe as fast as it reads, with
 * per app: config.add, deploy.start, and five deploy.event (container_started ...
 * container_stopped). Timed from the first request byte to the last response (startup and
 * migrations excluded), every response checked for success.
 *
 * Raw side: the same rows written with prepared statements straight on node:sqlite (same
 * schema, WAL, synchronous=FULL), doing the reads the operations do, with no parsing,
 * validation or JSON. Measured with one transaction per request, per app, and for the whole run.
 *
 * Usage: deno task bench:rpc [APPS]   (default 2000 apps)
 */
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../src/db/open.ts";
import { OPERATIONS } from "../src/operations/mod.ts";

const APPS = Number(Deno.args[0] ?? 2000);
const EVENTS = [
  ["container_started", "starting", "health_check"],
  ["health_check_passed", "health_check", "switching"],
  ["caddy_updated", "switching", "draining"],
  ["drain_complete", "draining", "stopping"],
  ["container_stopped", "stopping", "stable"],
] as const;
const REPO = new URL("..", import.meta.url).pathname;
const TEMPLATE = Deno.readTextFileSync(`${REPO}../shared/fixtures/apps/web-api.yaml`);

function configFor(app: string): string {
  return TEMPLATE.replace(/^name: web-api$/m, `name: ${app}`);
}

function appName(i: number): string {
  return `app-${String(i).padStart(5, "0")}`;
}

function requestLines(apps: number): string[] {
  const lines: string[] = [];
  let id = 0;
  const line = (method: string, params: unknown) =>
    lines.push(JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }));
  for (let i = 0; i < apps; i++) {
    const app = appName(i);
    line("config.add", { config_yaml: configFor(app) });
    line("deploy.start", { app_name: app, image: `registry.local/${app}:1.0.${i}` });
    for (const [event] of EVENTS) line("deploy.event", { app_name: app, event_type: event });
  }
  return lines;
}

/** Runs the stream through the real server; returns seconds from first byte to last response. */
async function timeRpc(dbPath: string, lines: string[]): Promise<number> {
  const entry = Deno.env.get("DOCKSWAP_DB_ENTRY") ?? `${REPO}src/main.ts`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      entry,
      "--db",
      dbPath,
      "rpc",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const nextLines = async (): Promise<string[] | undefined> => {
    const { value, done } = await reader.read();
    if (done) return undefined;
    buffer += value;
    const cut = buffer.lastIndexOf("\n");
    if (cut === -1) return [];
    const complete = buffer.slice(0, cut).split("\n");
    buffer = buffer.slice(cut + 1);
    return complete;
  };
  const encoder = new TextEncoder();
  // Warm up: the server has opened and migrated the database once this is answered.
  await writer.write(encoder.encode('{"jsonrpc":"2.0","id":0,"method":"ping"}\n'));
  while ((await nextLines())?.length === 0) { /* until the ping's line */ }

  const payload = encoder.encode(lines.join("\n") + "\n");
  const started = performance.now();
  const writing = (async () => {
    const step = 256 * 1024;
    for (let i = 0; i < payload.length; i += step) {
      await writer.write(payload.subarray(i, i + step));
    }
    await writer.close();
  })();
  let answered = 0;
  let failures = 0;
  let firstFailure = "";
  while (answered < lines.length) {
    const got = await nextLines();
    if (got === undefined) break;
    for (const line of got) {
      answered++;
      if (!line.includes('"result"')) {
        failures++;
        firstFailure ||= line;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await writing;
  const status = await child.status;
  if (answered !== lines.length || failures > 0 || status.code !== 0) {
    throw new Error(
      `rpc run: ${answered}/${lines.length} answered, ${failures} failed, exit ${status.code}; ` +
        `first failure: ${firstFailure.slice(0, 300)}`,
    );
  }
  return seconds;
}

type Granularity = "request" | "app" | "run";

/** The same rows written straight on node:sqlite; returns seconds. */
function timeRaw(dbPath: string, apps: number, granularity: Granularity): number {
  openDatabase(dbPath).close(); // schema and migrations, as the server has them
  const db = new DatabaseSync(dbPath, { timeout: 10_000, enableForeignKeyConstraints: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  const latestConfig = db.prepare(
    "SELECT id, config_sha FROM app_configs WHERE app_name = ? ORDER BY created_at DESC, id DESC LIMIT 1",
  );
  const insertConfig = db.prepare(
    "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
  );
  const currentState = db.prepare("SELECT * FROM current_state WHERE app_name = ?");
  const inProgress = db.prepare(
    "SELECT * FROM deployments WHERE app_name = ? AND status = 'in_progress'",
  );
  const insertDeployment = db.prepare(
    `INSERT INTO deployments (app_name, config_id, image, started_at, ended_at, status, active_color, rollback_of)
     VALUES (?, ?, ?, ?, NULL, 'in_progress', ?, NULL)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at)
     VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)`,
  );
  const saveState = db.prepare(
    `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (app_name) DO UPDATE SET deployment_id = excluded.deployment_id,
       active_color = excluded.active_color, image = excluded.image, status = excluded.status,
       updated_at = excluded.updated_at`,
  );
  const endDeployment = db.prepare(
    "UPDATE deployments SET status = ?, ended_at = ? WHERE id = ? AND status = 'in_progress'",
  );
  const begin = () => db.exec("BEGIN IMMEDIATE");
  const commit = () => db.exec("COMMIT");
  const perRequest = granularity === "request";
  const started = performance.now();
  if (granularity === "run") begin();
  for (let i = 0; i < apps; i++) {
    const app = appName(i);
    const image = `registry.local/${app}:1.0.${i}`;
    if (granularity === "app") begin();
    if (perRequest) begin();
    const yaml = configFor(app);
    const sha = createHash("sha256").update(yaml).digest("hex");
    latestConfig.get(app);
    const config = insertConfig.run(app, yaml, sha, new Date().toISOString());
    if (perRequest) commit();
    if (perRequest) begin();
    currentState.get(app);
    inProgress.get(app);
    latestConfig.get(app);
    const now = new Date().toISOString();
    const deployment = Number(
      insertDeployment.run(app, config.lastInsertRowid, image, now, "blue").lastInsertRowid,
    );
    insertEvent.run(deployment, app, "deploy", "stable", "starting", now);
    saveState.run(app, deployment, null, null, "starting", now);
    if (perRequest) commit();
    for (const [event, from, to] of EVENTS) {
      if (perRequest) begin();
      inProgress.get(app);
      const state = currentState.get(app) as { active_color: string | null; image: string | null };
      const at = new Date().toISOString();
      insertEvent.run(deployment, app, event, from, to, at);
      const live = event === "caddy_updated";
      saveState.run(
        app,
        deployment,
        live ? "blue" : state.active_color,
        live ? image : state.image,
        to,
        at,
      );
      if (event === "container_stopped") endDeployment.run("success", at, deployment);
      if (perRequest) commit();
    }
    if (granularity === "app") commit();
  }
  if (granularity === "run") commit();
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

if (import.meta.main) {
  if (!OPERATIONS.has("deploy.start") || !OPERATIONS.has("deploy.event")) {
    console.log("rpc pipeline bench: deploy.start/deploy.event are not registered yet; skipped");
    Deno.exit(0);
  }
  const dir = await Deno.makeTempDir({ prefix: "dockswap-db-bench-" });
  try {
    const lines = requestLines(APPS);
    const requests = lines.length;
    const rpc = await timeRpc(`${dir}/rpc.db`, lines);
    const raw: Record<Granularity, number> = {
      request: timeRaw(`${dir}/raw-request.db`, APPS, "request"),
      app: timeRaw(`${dir}/raw-app.db`, APPS, "app"),
      run: timeRaw(`${dir}/raw-run.db`, APPS, "run"),
    };
    const rate = (seconds: number) => Math.round(requests / seconds);
    console.log(`rpc pipeline bench: ${APPS} apps, ${requests} requests (7 per app)`);
    console.log(`  rpc pipelined (group commit):     ${rpc.toFixed(3)} s  ${rate(rpc)} req/s`);
    for (const g of ["request", "app", "run"] as const) {
      console.log(
        `  raw node:sqlite, 1 commit per ${g.padEnd(7)}: ${raw[g].toFixed(3)} s  ${
          rate(raw[g])
        } req/s  ratio rpc/raw ${(raw[g] / rpc).toFixed(2)}`,
      );
    }
    console.log(
      `  ratio against the per-app-commit raw loop (target >= 0.5): ${(raw.app / rpc).toFixed(2)}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
