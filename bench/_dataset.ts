/**
 * Large databases for benchmarks 4-6, made fast: the schema comes from the real migrations
 * (openDatabase), the rows from direct prepared INSERTs in one transaction, not from millions
 * of RPC calls.
 */
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../src/db/open.ts";
import { configFor, HAPPY_EVENTS } from "./_lifecycle.ts";

/** How big a dataset is. */
export interface DatasetShape {
  apps: number;
  deploymentsPerApp: number;
  eventsPerDeployment: number;
  configsPerApp: number;
  /**
   * Every event's payload: "typical" is one ~70-byte object for all (the default); "varied" is
   * what real deploys send, by event type, from none to ~1 KB, with a chain hash on every event.
   */
  payloads?: "typical" | "varied";
}

/** The shape the spec's "at scale" means: 1,000 apps, 100,000 deployments, 1,000,000 events. */
export const AT_SCALE: DatasetShape = {
  apps: 1_000,
  deploymentsPerApp: 100,
  eventsPerDeployment: 10,
  configsPerApp: 5,
};

/** What was made, and the file size before and after the events (for bytes per event). */
export interface Dataset {
  path: string;
  shape: DatasetShape;
  events: number;
  deployments: number;
  bytesBeforeEvents: number;
  bytesAfterEvents: number;
}

// Events cycle through the happy path's transitions. The schema checks each name, not the
// order, so ten per deployment is a size, not a lifecycle; the order and plans are real.
const CYCLE = [["deploy", "stable", "starting"], ...HAPPY_EVENTS] as const;

/** A typical event payload (what the demo's orchestrator sends): ~70 bytes of JSON. */
export function typicalPayload(app: string, port: number): string {
  return JSON.stringify({ container: `${app}-blue`, port, status: 200, latency_ms: 38 });
}

/**
 * A payload as the orchestrator sends it for an event of type `type` of deployment `d` (~140 bytes on
 * average): a few bytes to ~1.2 KB by event type, some with no payload, one health check in five
 * failing with the end of a log (quotes, line breaks, a non-ASCII character), and the error.
 */
export function variedEvent(
  app: string,
  d: number,
  type: string,
): { payload: string | null; error: string | null } {
  const color = d % 2 === 0 ? "blue" : "green";
  const port = 8000 + (d % 2);
  const container = `${app}-${color}`;
  const id = createHash("sha256").update(`${app}/${d}`).digest("hex");
  const failing = d % 5 === 4;
  const image = `registry.local/${app}:1.${d}`;
  switch (type) {
    case "deploy":
      return {
        payload: JSON.stringify({ image, config_id: d, color }),
        error: null,
      };
    case "container_started":
      return {
        payload: JSON.stringify({
          container,
          port,
          container_id: id,
          labels: {
            "com.docker.compose.project": app,
            "dockswap.color": color,
            "dockswap.image": image,
          },
        }),
        error: null,
      };
    case "health_check_passed":
      if (failing) {
        const attempts = 4 + d % 9;
        const log = Array.from(
          { length: attempts },
          (_, i) =>
            `2025-01-01T00:00:${String(i).padStart(2, "0")}Z GET /healthz -> 503 "upstream not ` +
            `ready" (attempt ${i + 1}, ${40 + i * 3} ms) \u2192 retry`,
        ).join("\n");
        return {
          payload: JSON.stringify({
            status: 503,
            attempts,
            url: `http://${container}:${port}/healthz`,
            log,
          }),
          error:
            `health check of ${container} failed after ${attempts} attempts: "upstream not ready"`,
        };
      }
      return { payload: JSON.stringify({ status: 200, latency_ms: 20 + (d % 50) }), error: null };
    case "caddy_updated":
      return {
        payload: JSON.stringify({ upstream: `localhost:${port}`, route: `${app}.example.com` }),
        error: null,
      };
    case "drain_complete":
      return { payload: d % 3 === 0 ? null : JSON.stringify({ drained_ms: 5000 }), error: null };
    default:
      return { payload: JSON.stringify({ container, exit_code: 0 }), error: null };
  }
}

const BASE = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** Creates the database at `path` (which must not exist) holding a dataset of `shape`. */
export function makeDataset(path: string, shape: DatasetShape): Dataset {
  openDatabase(path).close();
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = OFF"); // set-up only: nothing here is measured
  const size = () => {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return Deno.statSync(path).size;
  };
  const app = (a: number) => `app-${String(a).padStart(5, "0")}`;
  const insertConfig = db.prepare(
    "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
  );
  const insertDeployment = db.prepare(
    `INSERT INTO deployments (id, app_name, config_id, image, started_at, ended_at, status, active_color)
     VALUES (?, ?, ?, ?, ?, ?, 'success', ?)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertState = db.prepare(
    `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
     VALUES (?, ?, ?, ?, 'stable', ?)`,
  );
  const deployments = shape.apps * shape.deploymentsPerApp;
  const minuteOf = (d: number) => BASE + d * 60_000;
  const configOf = (a: number, d: number) =>
    a * shape.configsPerApp + 1 +
    Math.min(shape.configsPerApp - 1, Math.floor(d / deployments * shape.configsPerApp));

  db.exec("BEGIN");
  for (let a = 0; a < shape.apps; a++) {
    for (let c = 0; c < shape.configsPerApp; c++) {
      const yaml = configFor(app(a)) + `# revision ${c}\n`;
      const sha = createHash("sha256").update(yaml).digest("hex");
      insertConfig.run(app(a), yaml, sha, iso(BASE + c * deployments / shape.configsPerApp));
    }
  }
  for (let d = 0; d < deployments; d++) {
    const a = d % shape.apps;
    const start = minuteOf(d);
    insertDeployment.run(
      d + 1,
      app(a),
      configOf(a, d),
      `registry.local/${app(a)}:1.${Math.floor(d / shape.apps)}`,
      iso(start),
      iso(start + shape.eventsPerDeployment * 1000),
      d % 2 === 0 ? "blue" : "green",
    );
  }
  for (let a = 0; a < shape.apps; a++) {
    const last = deployments - shape.apps + a;
    insertState.run(
      app(a),
      last + 1,
      last % 2 === 0 ? "blue" : "green",
      `registry.local/${app(a)}:1.${shape.deploymentsPerApp - 1}`,
      iso(minuteOf(last) + shape.eventsPerDeployment * 1000),
    );
  }
  db.exec("COMMIT");
  const bytesBeforeEvents = size();

  db.exec("BEGIN");
  for (let d = 0; d < deployments; d++) {
    const a = d % shape.apps;
    const payload = typicalPayload(app(a), 8000 + (d % 2));
    // The varied events' hashes look like a chain's (64 hex digits) without being one: an
    // export does not verify them.
    let hash = createHash("sha256").update(app(a)).update(String(d)).digest("hex");
    for (let e = 0; e < shape.eventsPerDeployment; e++) {
      const [type, from, to] = CYCLE[e % CYCLE.length];
      const created = iso(minuteOf(d) + e * 1000);
      if (shape.payloads === "varied") {
        const event = variedEvent(app(a), d, type);
        hash = createHash("sha256").update(hash).update(event.payload ?? "").digest("hex");
        insertEvent.run(d + 1, app(a), type, from, to, event.payload, event.error, created, hash);
      } else {
        insertEvent.run(d + 1, app(a), type, from, to, payload, null, created, null);
      }
    }
  }
  db.exec("COMMIT");
  const bytesAfterEvents = size();
  db.close();
  return {
    path,
    shape,
    events: deployments * shape.eventsPerDeployment,
    deployments,
    bytesBeforeEvents,
    bytesAfterEvents,
  };
}

const made = new Map<string, Dataset>();

/** The dataset of `shape` in `dir`, made once per run and shared by the benchmarks. */
export function datasetIn(dir: string, shape: DatasetShape): Dataset {
  const key = `${dir}|${JSON.stringify(shape)}`;
  let dataset = made.get(key);
  if (!dataset) {
    const name = `${shape.apps}x${shape.deploymentsPerApp}x${shape.eventsPerDeployment}` +
      (shape.payloads === "varied" ? "-varied" : "");
    const started = performance.now();
    dataset = makeDataset(`${dir}/dataset-${name}.db`, shape);
    console.error(
      `  (dataset ${name}: ${dataset.events} events made in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s)`,
    );
    made.set(key, dataset);
  }
  return dataset;
}
