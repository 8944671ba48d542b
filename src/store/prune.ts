import type { Database } from "../db/database.ts";
import { liveDeploymentIds } from "./live.ts";

/** What decides which history goes. */
export interface PruneRule {
  /** Keep this many newest deployments (and config versions) of each app. */
  keepLast?: number;
  /** Only rows that started (or were created) before this time go. */
  cutoff?: string;
  app?: string;
}

/** A deployment or config version that would be (or was) deleted. */
export interface PrunedRow {
  id: number;
  app_name: string;
  time: string;
}

/** What a prune deletes, computed without changing anything. */
export interface PrunePlan {
  deployments: PrunedRow[];
  events: number;
  configs: PrunedRow[];
  /** Deployments kept only because a kept deployment rolled back to them. */
  keptAsRollbackTarget: number[];
}

/**
 * Deployments the rule selects, before protections that need the whole graph: never one in
 * flight, never the one current_state points at, never the live one (src/store/live.ts: the
 * one rollback also calls live).
 */
function candidateDeployments(db: Database, rule: PruneRule): PrunedRow[] {
  const live = liveDeploymentIds(db, rule.app);
  return db.all<PrunedRow>(
    `SELECT id, app_name, started_at AS time FROM (
       SELECT d.*,
              row_number() OVER (PARTITION BY app_name ORDER BY started_at DESC, id DESC) AS rank
         FROM deployments d WHERE ?1 IS NULL OR app_name = ?1)
     WHERE status <> 'in_progress'
       AND id NOT IN (SELECT value FROM json_each(?4))
       AND (?2 IS NULL OR rank > ?2)
       AND (?3 IS NULL OR started_at < ?3)
       AND id NOT IN (SELECT deployment_id FROM current_state)
     ORDER BY started_at, id`,
    rule.app ?? null,
    rule.keepLast ?? null,
    rule.cutoff ?? null,
    JSON.stringify([...live]),
  );
}

/** Config versions the rule selects; never an app's latest. */
function candidateConfigs(db: Database, rule: PruneRule): PrunedRow[] {
  return db.all<PrunedRow>(
    `SELECT id, app_name, created_at AS time FROM (
       SELECT c.id, c.app_name, c.created_at,
              row_number() OVER (PARTITION BY app_name ORDER BY created_at DESC, id DESC) AS rank
         FROM app_configs c WHERE ?1 IS NULL OR app_name = ?1)
     WHERE rank > 1
       AND (?2 IS NULL OR rank > ?2)
       AND (?3 IS NULL OR created_at < ?3)
     ORDER BY created_at, id`,
    rule.app ?? null,
    rule.keepLast ?? null,
    rule.cutoff ?? null,
  );
}

/** Works out what a prune deletes; reads only. */
export function planPrune(db: Database, rule: PruneRule): PrunePlan {
  const candidates = new Map(candidateDeployments(db, rule).map((d) => [d.id, d]));
  const links = db.all<{ id: number; config_id: number | null; rollback_of: number | null }>(
    "SELECT id, config_id, rollback_of FROM deployments",
  );
  // A kept deployment's rollback target stays (and so, in turn, does its own target):
  // history keeps saying what a rollback went back to, and no reference is ever nulled.
  const keptAsRollbackTarget: number[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const link of links) {
      if (candidates.has(link.id) || link.rollback_of === null) continue;
      if (candidates.delete(link.rollback_of)) {
        keptAsRollbackTarget.push(link.rollback_of);
        changed = true;
      }
    }
  }
  const usedConfigs = new Set(
    links.filter((l) => !candidates.has(l.id) && l.config_id !== null).map((l) => l.config_id),
  );
  const configs = candidateConfigs(db, rule).filter((c) => !usedConfigs.has(c.id));
  const deployments = [...candidates.values()];
  const events = db.get<{ n: number }>(
    "SELECT count(*) AS n FROM deployment_events WHERE deployment_id IN (SELECT value FROM json_each(?))",
    JSON.stringify(deployments.map((d) => d.id)),
  )?.n ?? 0;
  return {
    deployments,
    events,
    configs,
    keptAsRollbackTarget: keptAsRollbackTarget.sort((a, b) => a - b),
  };
}

/** Deletes what a plan lists; the caller's transaction makes it all or nothing. */
export function applyPrune(db: Database, plan: PrunePlan): { events: number } {
  // Pruned deployments may roll back to each other; check references once, at commit.
  db.exec("PRAGMA defer_foreign_keys = ON");
  const deploymentIds = JSON.stringify(plan.deployments.map((d) => d.id));
  const { changes: events } = db.run(
    "DELETE FROM deployment_events WHERE deployment_id IN (SELECT value FROM json_each(?))",
    deploymentIds,
  );
  db.run("DELETE FROM deployments WHERE id IN (SELECT value FROM json_each(?))", deploymentIds);
  db.run(
    "DELETE FROM app_configs WHERE id IN (SELECT value FROM json_each(?))",
    JSON.stringify(plan.configs.map((c) => c.id)),
  );
  return { events };
}
