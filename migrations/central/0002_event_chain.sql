-- The events' hash chain, as the hosts keep it (local migration 0007_event_chain.sql): each
-- event's hash and each deployment's head, sent by sync like every other column. Rows sent
-- before a host had the chain keep NULL: sync sends a row once (a deployment until it ends).
ALTER TABLE deployments ADD COLUMN chain_head text CHECK (chain_head ~ '^[0-9a-f]{64}$');
ALTER TABLE deployment_events ADD COLUMN hash text CHECK (hash ~ '^[0-9a-f]{64}$');
