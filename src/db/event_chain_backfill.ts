/**
 * The chain of every event already recorded: migration 0007's step after its SQL (in its
 * transaction), and the end of an adoption. Deployment by deployment, each event in id order.
 */
import { type ChainedEvent, eventHash, HASHED_EVENT_SELECT } from "../records/event_hash.ts";
import type { Database } from "./database.ts";

const EVENTS_OF_DEPLOYMENT_SQL =
  `SELECT ${HASHED_EVENT_SELECT} FROM deployment_events WHERE deployment_id = ? ORDER BY id`;

/** Each step reads the (deployment_id, created_at, id) index: one seek per deployment. */
const FIRST_DEPLOYMENT_SQL = "SELECT min(deployment_id) AS id FROM deployment_events";
const NEXT_DEPLOYMENT_SQL =
  "SELECT min(deployment_id) AS id FROM deployment_events WHERE deployment_id > ?";

/** Sets every event's hash and every deployment's chain head; returns how many events. */
export function chainAllEvents(db: Database): number {
  let count = 0;
  let id = db.get<{ id: number | null }>(FIRST_DEPLOYMENT_SQL)?.id ?? null;
  while (id !== null) {
    let previous: string | null = null;
    for (const event of db.all<ChainedEvent>(EVENTS_OF_DEPLOYMENT_SQL, id)) {
      previous = eventHash(event, previous);
      db.run("UPDATE deployment_events SET hash = ? WHERE id = ?", previous, event.id);
      count++;
    }
    db.run("UPDATE deployments SET chain_head = ? WHERE id = ?", previous, id);
    id = db.get<{ id: number | null }>(NEXT_DEPLOYMENT_SQL, id)?.id ?? null;
  }
  return count;
}
