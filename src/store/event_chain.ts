/** What `verify` reads of the events' hash chain: deployment by deployment, in chain (id) order. */
import type { Database } from "../db/database.ts";
import { type ChainedEvent, HASHED_EVENT_SELECT } from "../records/event_hash.ts";

/** An event as the chain checks it: the hashed columns (payload as compact JSON text) and its hash. */
export type StoredChainEvent = ChainedEvent & { hash: string | null };

const EVENTS_SQL =
  `SELECT ${HASHED_EVENT_SELECT}, hash FROM deployment_events WHERE deployment_id = ? ORDER BY id`;

/**
 * The next deployment with a chain to check: one that has events (a seek on the events'
 * (deployment_id, ...) index) or a head (a deployment whose every event was deleted).
 */
const NEXT_CHAIN_SQL = `SELECT min(id) AS id FROM (
    SELECT min(deployment_id) AS id FROM deployment_events WHERE deployment_id > ?
    UNION ALL
    SELECT min(id) FROM deployments WHERE id > ? AND chain_head IS NOT NULL)`;

/** Whether the file has the chain's columns (migration 0007 applied). */
export function hasEventChain(db: Database): boolean {
  return db.get("SELECT 1 FROM pragma_table_info('deployment_events') WHERE name = 'hash'") !==
    undefined;
}

/** The id of the next deployment after `afterId` with events or a chain head, or null. */
export function nextChainedDeployment(db: Database, afterId: number): number | null {
  return db.get<{ id: number | null }>(NEXT_CHAIN_SQL, afterId, afterId)?.id ?? null;
}

/** A deployment's app and chain head; undefined when its row is missing (a dangling event). */
export function chainHead(
  db: Database,
  deploymentId: number,
): { app_name: string; chain_head: string | null } | undefined {
  return db.get("SELECT app_name, chain_head FROM deployments WHERE id = ?", deploymentId);
}

/** A deployment's events in chain order (by id), with their stored hashes. */
export function chainEvents(db: Database, deploymentId: number): StoredChainEvent[] {
  return db.all<StoredChainEvent>(EVENTS_SQL, deploymentId);
}
