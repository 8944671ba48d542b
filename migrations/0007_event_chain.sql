-- The events' hash chain (docs/monitoring.md): each event's hash covers its columns and the hash
-- of the previous event of its deployment; each deployment keeps the hash of its last event, so
-- deleting that event is detected too. NULL only in rows another program writes.
-- The runner then computes the chain of every recorded event (src/db/event_chain_backfill.ts),
-- in this migration's transaction: integrity is proven from here on, not before.
ALTER TABLE deployment_events ADD COLUMN hash TEXT
  CHECK (hash IS NULL OR (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'));

ALTER TABLE deployments ADD COLUMN chain_head TEXT
  CHECK (chain_head IS NULL OR (length(chain_head) = 64 AND chain_head NOT GLOB '*[^0-9a-f]*'));
