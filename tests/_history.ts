/**
 * Builds consistent deployment history straight into a dockswap-db file (made by the CLI), for
 * tests of commands that read history: configs, ended deployments with their events, and the
 * current_state row each app's latest deployment implies.
 */
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { chainEvents } from "./_chain.ts";

/** What `addHistory` should write for one app. */
export interface HistoryPlan {
  app: string;
  deployments: number;
  eventsPerDeployment?: number;
  /** Leave the newest deployment in flight (state `starting`), started at `inFlightSince`. */
  inFlight?: boolean;
  inFlightSince?: string;
  /** Time of the first row; later rows follow one second apart. */
  start?: string;
}

/** Ids that `addHistory` wrote. */
export interface HistoryIds {
  configs: number[];
  deployments: number[];
  events: number[];
}

const EVENTS: [string, string, string][] = [
  ["deploy", "stable", "starting"],
  ["container_started", "starting", "health_check"],
  ["health_check_passed", "health_check", "switching"],
  ["caddy_updated", "switching", "draining"],
  ["drain_complete", "draining", "stopping"],
  ["container_stopped", "stopping", "stable"],
];

// The real hash: doctor checks that each config_sha is the SHA-256 of its text.
function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Appends history for one app in one transaction; returns the new ids. */
export function addHistory(path: string, plan: HistoryPlan): HistoryIds {
  const db = new DatabaseSync(path, { timeout: 10_000, enableForeignKeyConstraints: true });
  const ids: HistoryIds = { configs: [], deployments: [], events: [] };
  let clock = Date.parse(plan.start ?? "2026-01-01T00:00:00.000Z");
  const tick = () => new Date(clock += 1000).toISOString();
  const perDeployment = Math.min(plan.eventsPerDeployment ?? EVENTS.length, EVENTS.length);
  try {
    db.exec("BEGIN IMMEDIATE");
    let last = { id: 0, color: "blue", image: "", live: false };
    for (let i = 0; i < plan.deployments; i++) {
      const yaml = `name: ${plan.app}\n# version ${i} ${crypto.randomUUID()}\n`;
      const config = Number(
        db.prepare(
          "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
        ).run(plan.app, yaml, sha256Hex(yaml), tick()).lastInsertRowid,
      );
      ids.configs.push(config);
      const inFlight = plan.inFlight === true && i === plan.deployments - 1;
      const started = inFlight && plan.inFlightSince ? plan.inFlightSince : tick();
      const color = i % 2 === 0 ? "blue" : "green";
      const image = `registry.example/${plan.app}:${i}`;
      const deployment = Number(
        db.prepare(
          `INSERT INTO deployments (app_name, config_id, image, started_at, ended_at, status, active_color)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          plan.app,
          config,
          image,
          started,
          inFlight ? null : tick(),
          inFlight ? "in_progress" : "success",
          color,
        ).lastInsertRowid,
      );
      ids.deployments.push(deployment);
      const events = inFlight ? EVENTS.slice(0, 1) : EVENTS.slice(0, perDeployment);
      for (const [type, from, to] of events) {
        ids.events.push(Number(
          db.prepare(
            `INSERT INTO deployment_events
               (deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at)
             VALUES (?, ?, ?, ?, ?, ?, NULL, ?)`,
          ).run(
            deployment,
            plan.app,
            type,
            from,
            to,
            JSON.stringify({ image, note: 'quote " and, comma\nnewline' }),
            tick(),
          ).lastInsertRowid,
        ));
      }
      last = inFlight ? { ...last, id: deployment } : { id: deployment, color, image, live: true };
      db.prepare(
        `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (app_name) DO UPDATE SET deployment_id = excluded.deployment_id,
           active_color = excluded.active_color, image = excluded.image,
           status = excluded.status, updated_at = excluded.updated_at`,
      ).run(
        plan.app,
        last.id,
        last.live ? last.color : null,
        last.live ? last.image : null,
        inFlight ? "starting" : "stable",
        tick(),
      );
    }
    chainEvents(db);
    db.exec("COMMIT");
    return ids;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  } finally {
    db.close();
  }
}
