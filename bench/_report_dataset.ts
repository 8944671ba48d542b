/**
 * A realistic history for `report`: many apps over many days, each deployment following the
 * state machine (happy path, automatic rollback, failed start then manual recovery, rollbacks
 * to an earlier success, one in flight at the end), durations from seconds to hours. Rows go in
 * by direct INSERTs into a database made by the real migrations (the schema's checks and
 * triggers still apply); a seed makes it the same every time. Used by the report benchmark and
 * by the report tests.
 */
import { DatabaseSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { openDatabase } from "../src/db/open.ts";

/** How much history, ending when. */
export interface ReportShape {
  apps: number;
  /** Deployments in all, spread evenly over the apps. */
  deployments: number;
  days: number;
  /** The end of the history (UTC ISO); the last deployments start before it. */
  end: string;
  /** Leave every this-many-th app's last deployment in flight (0: none). */
  inFlightEvery?: number;
}

/** What was written. */
export interface ReportHistory {
  deployments: number;
  events: number;
  /** The first start, and just after the last: every deployment started in [since, until). */
  since: string;
  until: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A small deterministic generator (mulberry32): the same history on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An app's name in the dataset. */
export function appName(index: number): string {
  return `app-${String(index).padStart(3, "0")}`;
}

/** Writes the history into a new database at `path`. */
export function makeReportHistory(path: string, shape: ReportShape): ReportHistory {
  openDatabase(path).close();
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
  db.exec("PRAGMA synchronous = OFF"); // set-up only: nothing here is measured
  const next = random(17);
  const insertConfig = db.prepare(
    "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
  );
  const insertDeployment = db.prepare(
    `INSERT INTO deployments
       (app_name, config_id, image, started_at, ended_at, status, active_color, rollback_of)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO deployment_events
       (deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertState = db.prepare(
    `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const end = Date.parse(shape.end);
  const start = end - shape.days * DAY;
  const perApp = Math.floor(shape.deployments / shape.apps);
  const extra = shape.deployments - perApp * shape.apps;
  let deployments = 0;
  let events = 0;
  let first = Infinity;
  let last = -Infinity;

  db.exec("BEGIN");
  for (let a = 0; a < shape.apps; a++) {
    const app = appName(a);
    const yaml =
      `name: ${app}\ndocker:\n  expose_port: 8080\nports:\n  blue: 8081\n  green: 8082\n`;
    const configId = Number(
      insertConfig.run(
        app,
        yaml,
        createHash("sha256").update(yaml).digest("hex"),
        iso(start - DAY),
      ).lastInsertRowid,
    );
    const count = perApp + (a < extra ? 1 : 0);
    const gap = (shape.days * DAY) / Math.max(1, count);
    let live: { id: number; color: "blue" | "green"; image: string } | null = null;
    let lastSuccess: { id: number; image: string } | null = null;
    let needsRollback = false;
    let state: { id: number; status: string; at: number } | null = null;
    for (let d = 0; d < count; d++) {
      const at = Math.floor(start + d * gap + next() * gap * 0.3);
      const color: "blue" | "green" = live === null
        ? "blue"
        : live.color === "blue"
        ? "green"
        : "blue";
      const inFlight = shape.inFlightEvery !== undefined && shape.inFlightEvery > 0 &&
        a % shape.inFlightEvery === 0 && d === count - 1;
      const rollbackOf: { id: number; image: string } | null = needsRollback && lastSuccess !== null
        ? lastSuccess
        : null;
      const image: string = rollbackOf?.image ?? `registry.example.com/${app}:1.${d}.${a % 7}`;
      const roll = next();
      const outcome: string = inFlight
        ? "in_progress"
        : rollbackOf !== null || roll < 0.86
        ? "success"
        : roll < 0.94
        ? "rolled_back"
        : "failed";
      // Mostly a minute or two; some take seconds, some hours (a slow drain).
      const shape01 = next();
      const took = shape01 < 0.1
        ? 2 * SECOND + next() * 3 * SECOND
        : shape01 > 0.97
        ? HOUR + next() * 2 * HOUR
        : 20 * SECOND + next() * 4 * MINUTE;
      const steps = stepsOf(outcome, app, color);
      const times = steps.map((_, i) =>
        at + Math.round((took * i) / Math.max(1, steps.length - 1))
      );
      const endedAt: number | null = outcome === "in_progress"
        ? null
        : outcome === "failed"
        ? times[steps.findIndex((s) => s.type === "container_failed")]
        : times.at(-1)!;
      const id: number = Number(
        insertDeployment.run(
          app,
          configId,
          image,
          iso(at),
          endedAt === null ? null : iso(endedAt),
          outcome,
          color,
          rollbackOf?.id ?? null,
        ).lastInsertRowid,
      );
      deployments++;
      first = Math.min(first, at);
      last = Math.max(last, at);
      for (const [i, step] of steps.entries()) {
        insertEvent.run(
          id,
          app,
          step.type,
          step.from,
          step.to,
          step.payload ?? null,
          step.error ?? null,
          iso(times[i]),
        );
        events++;
      }
      if (outcome === "success") {
        live = { id, color, image };
        lastSuccess = { id, image };
        needsRollback = false;
      } else if (outcome !== "in_progress") {
        needsRollback = true;
      }
      state = {
        id,
        status: outcome === "in_progress" ? steps.at(-1)!.to : "stable",
        at: times.at(-1)!,
      };
    }
    if (state !== null) {
      insertState.run(
        app,
        state.id,
        live?.color ?? null,
        live?.image ?? null,
        state.status,
        iso(state.at),
      );
    }
  }
  db.exec("COMMIT");
  db.close();
  return { deployments, events, since: iso(first), until: iso(last + 1) };
}

interface Step {
  type: string;
  from: string;
  to: string;
  payload?: string;
  error?: string;
}

/** The events of a deployment with this outcome, in order. */
function stepsOf(outcome: string, app: string, color: string): Step[] {
  const port = color === "blue" ? 8081 : 8082;
  const started: Step = {
    type: "container_started",
    from: "starting",
    to: "health_check",
    payload: JSON.stringify({ container: `${app}-${color}`, port }),
  };
  const deploy: Step = { type: "deploy", from: "stable", to: "starting" };
  switch (outcome) {
    case "in_progress":
      return [deploy, started];
    case "rolled_back":
      return [
        deploy,
        started,
        {
          type: "health_check_failed",
          from: "health_check",
          to: "rolling_back",
          error: `GET /health returned 503 after 3 retries (${app}-${color})`,
        },
        { type: "rollback_complete", from: "rolling_back", to: "stable" },
      ];
    case "failed":
      return [
        deploy,
        {
          type: "container_failed",
          from: "starting",
          to: "failed",
          error: `container ${app}-${color} exited with code 137 (OOMKilled)`,
        },
        {
          type: "manual_recovery",
          from: "failed",
          to: "stable",
          payload: JSON.stringify({ reason: "memory limit raised" }),
        },
      ];
    default:
      return [
        deploy,
        started,
        {
          type: "health_check_passed",
          from: "health_check",
          to: "switching",
          payload: JSON.stringify({ status: 200, latency_ms: 38 }),
        },
        {
          type: "caddy_updated",
          from: "switching",
          to: "draining",
          payload: JSON.stringify({ upstream: `localhost:${port}` }),
        },
        { type: "drain_complete", from: "draining", to: "stopping" },
        { type: "container_stopped", from: "stopping", to: "stable" },
      ];
  }
}
