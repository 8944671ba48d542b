/**
 * The events' hash chain for fixtures written straight into a file (tests/_history.ts,
 * tests/_crafted_history.ts), so they look as the program leaves its files. Written from
 * docs/monitoring.md's algorithm, not from src/: a second implementation, which `verify` (and
 * doctor's event_chain check) must agree with on every file these helpers build.
 */
import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";

interface Event {
  id: number;
  deployment_id: number;
  app_name: string;
  event_type: string;
  from_state: string;
  to_state: string;
  payload: string | null;
  error: string | null;
  created_at: string;
}

/** Sets every event's hash and every deployment's head; a file before migration 0007 is left. */
export function chainEvents(db: DatabaseSync): void {
  const chained = db.prepare(
    "SELECT 1 FROM pragma_table_info('deployment_events') WHERE name = 'hash'",
  ).get();
  if (chained === undefined) return;
  const events = db.prepare(
    `SELECT id, deployment_id, app_name, event_type, from_state, to_state, json(payload) AS payload,
       error, created_at FROM deployment_events ORDER BY deployment_id, id`,
  ).all() as unknown as Event[];
  const setHash = db.prepare("UPDATE deployment_events SET hash = ? WHERE id = ?");
  const setHead = db.prepare("UPDATE deployments SET chain_head = ? WHERE id = ?");
  let deployment: number | null = null;
  let previous: string | null = null;
  for (const e of events) {
    if (e.deployment_id !== deployment) {
      if (deployment !== null) setHead.run(previous, deployment);
      deployment = e.deployment_id;
      previous = null;
    }
    const columns = [e.id, e.deployment_id, e.app_name, e.event_type, e.from_state, e.to_state]
      .map((value) => JSON.stringify(value));
    const text: string =
      `[${columns.join(",")},${e.payload ?? "null"},${JSON.stringify(e.error)},` +
      `${JSON.stringify(e.created_at)},${JSON.stringify(previous)}]`;
    previous = createHash("sha256").update(text).digest("hex") as string;
    setHash.run(previous, e.id);
  }
  if (deployment !== null) setHead.run(previous, deployment);
}
