-- Central fleet schema 1 (PostgreSQL): every host's dockswap-db history, created in the schema
-- `sync --schema` names (search_path is that schema alone while this runs). The local tables
-- with host_id in every key; the same CHECK rules; foreign keys within one host's rows, with
-- the same-app rules of local schema 3 as composite foreign keys. Times are timestamptz
-- (millisecond values, as stored locally); event payloads are json, which keeps the text.

CREATE TABLE hosts (
  id             uuid PRIMARY KEY,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  first_sync_at  timestamptz NOT NULL,
  last_sync_at   timestamptz NOT NULL,
  tool_version   text NOT NULL,
  schema_version integer NOT NULL,
  -- Where the file that syncs as this host lives (machine id and path); another file claiming
  -- the id is a copy, refused until its operator says which host it is.
  claimed_on     text NOT NULL,
  -- The highest local id of each table sent so far: what the next sync starts after.
  sent_configs     bigint NOT NULL DEFAULT 0,
  sent_deployments bigint NOT NULL DEFAULT 0,
  sent_events      bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX hosts_by_name ON hosts (name, id);

CREATE TABLE app_configs (
  host_id     uuid NOT NULL REFERENCES hosts (id),
  id          bigint NOT NULL,
  app_name    text NOT NULL CHECK (length(app_name) > 0),
  config_yaml text NOT NULL,
  config_sha  text NOT NULL CHECK (config_sha ~ '^[0-9a-f]{64}$'),
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (host_id, id),
  UNIQUE (host_id, id, app_name)
);
CREATE INDEX app_configs_by_app_time ON app_configs (app_name, created_at);

CREATE TABLE deployments (
  host_id       uuid NOT NULL REFERENCES hosts (id),
  id            bigint NOT NULL,
  app_name      text NOT NULL CHECK (length(app_name) > 0),
  config_id     bigint,
  image         text NOT NULL CHECK (length(image) > 0),
  started_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  status        text NOT NULL CHECK (status IN ('in_progress', 'success', 'failed', 'rolled_back')),
  active_color  text NOT NULL CHECK (active_color IN ('blue', 'green')),
  rollback_of   bigint,
  legacy_status text,
  CHECK ((status = 'in_progress') = (ended_at IS NULL)),
  PRIMARY KEY (host_id, id),
  UNIQUE (host_id, id, app_name),
  FOREIGN KEY (host_id, config_id, app_name) REFERENCES app_configs (host_id, id, app_name),
  FOREIGN KEY (host_id, rollback_of) REFERENCES deployments (host_id, id)
);
CREATE INDEX deployments_by_app_time ON deployments (app_name, started_at, host_id, id);
CREATE INDEX deployments_in_flight ON deployments (host_id, id) WHERE status = 'in_progress';
CREATE INDEX deployments_by_config ON deployments (host_id, config_id);
CREATE INDEX deployments_by_image ON deployments (image);

-- host_id here and in current_state needs no foreign key of its own: the deployment's holds it.
CREATE TABLE deployment_events (
  host_id       uuid NOT NULL,
  id            bigint NOT NULL,
  deployment_id bigint NOT NULL,
  app_name      text NOT NULL CHECK (length(app_name) > 0),
  event_type    text NOT NULL CHECK (event_type IN (
    'deploy', 'container_started', 'container_failed', 'health_check_passed',
    'health_check_failed', 'caddy_updated', 'caddy_failed', 'drain_complete',
    'container_stopped', 'stop_failed', 'rollback_complete', 'rollback_failed', 'manual_recovery')),
  from_state    text NOT NULL CHECK (from_state IN (
    'stable', 'starting', 'health_check', 'switching', 'draining', 'stopping', 'rolling_back', 'failed')),
  to_state      text NOT NULL CHECK (to_state IN (
    'stable', 'starting', 'health_check', 'switching', 'draining', 'stopping', 'rolling_back', 'failed')),
  payload       json,
  error         text,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (host_id, id),
  FOREIGN KEY (host_id, deployment_id, app_name) REFERENCES deployments (host_id, id, app_name)
);
CREATE INDEX deployment_events_by_deployment ON deployment_events (host_id, deployment_id, created_at, id);

CREATE TABLE current_state (
  host_id       uuid NOT NULL,
  app_name      text NOT NULL CHECK (length(app_name) > 0),
  deployment_id bigint NOT NULL,
  active_color  text CHECK (active_color IN ('blue', 'green')),
  image         text,
  status        text NOT NULL CHECK (status IN (
    'stable', 'starting', 'health_check', 'switching', 'draining', 'stopping', 'rolling_back', 'failed')),
  updated_at    timestamptz NOT NULL,
  legacy_status text,
  CHECK ((active_color IS NULL) = (image IS NULL)),
  PRIMARY KEY (host_id, app_name),
  FOREIGN KEY (host_id, deployment_id) REFERENCES deployments (host_id, id)
);
CREATE INDEX current_state_by_deployment ON current_state (host_id, deployment_id);
CREATE INDEX current_state_by_image ON current_state (image);

-- What each host runs now, by host name: one row per host and app.
CREATE VIEW fleet_current_state AS
SELECT h.name AS host_name, s.app_name, s.status, s.active_color, s.image, s.deployment_id,
       s.updated_at, h.last_sync_at, s.host_id
FROM current_state s JOIN hosts h ON h.id = s.host_id;

-- Every deployment of every host, with its host name and config hash.
CREATE VIEW fleet_deployments AS
SELECT h.name AS host_name, d.app_name, d.id AS deployment_id, d.image, d.status,
       d.active_color, d.started_at, d.ended_at, d.ended_at - d.started_at AS duration,
       d.rollback_of, c.config_sha, d.legacy_status, d.host_id
FROM deployments d
JOIN hosts h ON h.id = d.host_id
LEFT JOIN app_configs c ON c.host_id = d.host_id AND c.id = d.config_id;
