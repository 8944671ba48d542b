/**
 * A deployment history written row by row at chosen instants, so that statistics and metrics
 * can be checked against values computed by hand. Written into a file the CLI created.
 */
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { chainEvents } from "./_chain.ts";

/** One event: its type, the transition, and its time in seconds after the deployment started. */
export type CraftedEvent = [type: string, from: string, to: string, at: number];

/** One deployment of an app. */
export interface CraftedDeployment {
  app: string;
  start: string;
  status: "in_progress" | "success" | "failed" | "rolled_back";
  /** Seconds after the start when it ended; null while in flight. */
  end: number | null;
  events: CraftedEvent[];
  rollbackOf?: number;
}

/** The happy path, its events at the given offsets (deploy at 0). */
export function happyPath(at: [number, number, number, number, number]): CraftedEvent[] {
  return [
    ["deploy", "stable", "starting", 0],
    ["container_started", "starting", "health_check", at[0]],
    ["health_check_passed", "health_check", "switching", at[1]],
    ["caddy_updated", "switching", "draining", at[2]],
    ["drain_complete", "draining", "stopping", at[3]],
    ["container_stopped", "stopping", "stable", at[4]],
  ];
}

/** A deployment whose container failed to start at `failedAt`, recovered by hand at `recoveredAt`. */
export function failedStart(
  app: string,
  start: string,
  failedAt: number,
  recoveredAt: number,
): CraftedDeployment {
  return {
    app,
    start,
    status: "failed",
    end: failedAt,
    events: [
      ["deploy", "stable", "starting", 0],
      ["container_failed", "starting", "failed", failedAt],
      ["manual_recovery", "failed", "stable", recoveredAt],
    ],
  };
}

/** A deployment in flight: its container started at `startedAt`, its health check undecided. */
export function inHealthCheck(app: string, start: string, startedAt: number): CraftedDeployment {
  return {
    app,
    start,
    status: "in_progress",
    end: null,
    events: [
      ["deploy", "stable", "starting", 0],
      ["container_started", "starting", "health_check", startedAt],
    ],
  };
}

const iso = (start: string, seconds: number) =>
  new Date(Date.parse(start) + seconds * 1000).toISOString();

/** Writes the deployments in order (ids 1, 2, ...), their events, and each app's current state. */
export function writeCrafted(path: string, deployments: CraftedDeployment[]): number[] {
  const db = new DatabaseSync(path, { timeout: 10_000, enableForeignKeyConstraints: true });
  const ids: number[] = [];
  try {
    db.exec("BEGIN IMMEDIATE");
    for (const d of deployments) {
      const yaml = `name: ${d.app}\n# ${crypto.randomUUID()}\n`;
      const config = Number(
        db.prepare(
          "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
        ).run(d.app, yaml, createHash("sha256").update(yaml).digest("hex"), d.start)
          .lastInsertRowid,
      );
      const id = Number(
        db.prepare(
          `INSERT INTO deployments (app_name, config_id, image, started_at, ended_at, status,
             active_color, rollback_of) VALUES (?, ?, ?, ?, ?, ?, 'blue', ?)`,
        ).run(
          d.app,
          config,
          `registry.example/${d.app}:${ids.length + 1}`,
          d.start,
          d.end === null ? null : iso(d.start, d.end),
          d.status,
          d.rollbackOf ?? null,
        ).lastInsertRowid,
      );
      ids.push(id);
      for (const [type, from, to, at] of d.events) {
        db.prepare(
          `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
             created_at) VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(id, d.app, type, from, to, iso(d.start, at));
      }
      const last = d.events.at(-1)!;
      db.prepare(
        `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
         VALUES (?, ?, NULL, NULL, ?, ?) ON CONFLICT (app_name) DO UPDATE SET
           deployment_id = excluded.deployment_id, status = excluded.status,
           updated_at = excluded.updated_at`,
      ).run(d.app, id, last[2], iso(d.start, last[3]));
    }
    chainEvents(db);
    db.exec("COMMIT");
    return ids;
  } finally {
    if (db.isTransaction) db.exec("ROLLBACK");
    db.close();
  }
}

/**
 * alpha: 1 success (65 s); 2 failed at 20 s, recovered an hour after its start; 3 rolled back
 * at 45 s; 4 a rollback to 1, success (55 s); 5 success (60 s); 6 in flight in health_check.
 * beta: one deployment in flight since its start.
 */
export const CRAFTED: CraftedDeployment[] = [
  {
    app: "alpha",
    start: "2026-01-01T00:00:00.000Z",
    status: "success",
    end: 65,
    events: happyPath([10, 30, 31, 61, 65]),
  },
  failedStart("alpha", "2026-01-02T00:00:00.000Z", 20, 3600),
  {
    app: "alpha",
    start: "2026-01-03T00:00:00.000Z",
    status: "rolled_back",
    end: 45,
    events: [
      ["deploy", "stable", "starting", 0],
      ["container_started", "starting", "health_check", 5],
      ["health_check_failed", "health_check", "rolling_back", 35],
      ["rollback_complete", "rolling_back", "stable", 45],
    ],
  },
  {
    app: "beta",
    start: "2026-01-03T12:00:00.000Z",
    status: "in_progress",
    end: null,
    events: [["deploy", "stable", "starting", 0]],
  },
  {
    app: "alpha",
    start: "2026-01-04T00:00:00.000Z",
    status: "success",
    end: 55,
    events: happyPath([10, 20, 21, 51, 55]),
    rollbackOf: 1,
  },
  {
    app: "alpha",
    start: "2026-01-05T00:00:00.000Z",
    status: "success",
    end: 60,
    events: happyPath([10, 25, 26, 56, 60]),
  },
  inHealthCheck("alpha", "2026-01-06T00:00:00.000Z", 10),
];
