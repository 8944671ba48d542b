-- dockswap-db schema 1: the spec's four tables, made strict.
-- Timestamps are UTC ISO-8601 text with milliseconds (2026-11-28T02:15:04.123Z), so text order
-- is time order; every query that orders by time breaks ties by id.

CREATE TABLE app_configs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  app_name    TEXT NOT NULL CHECK (length(app_name) > 0),
  config_yaml TEXT NOT NULL,
  config_sha  TEXT NOT NULL CHECK (length(config_sha) = 64 AND config_sha NOT GLOB '*[^0-9a-f]*'),
  created_at  TEXT NOT NULL
    CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;

-- Config history and latest config of an app.
CREATE INDEX app_configs_by_app_time ON app_configs (app_name, created_at, id);
-- Change detection: which configs have this SHA.
CREATE INDEX app_configs_by_sha ON app_configs (config_sha);

CREATE TABLE deployments (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  app_name     TEXT NOT NULL CHECK (length(app_name) > 0),
  -- Nullable only so that adopted legacy rows whose config is lost can be kept; new rows always set it.
  config_id    INTEGER REFERENCES app_configs (id),
  image        TEXT NOT NULL CHECK (length(image) > 0),
  started_at   TEXT NOT NULL
    CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  ended_at     TEXT
    CHECK (ended_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  status       TEXT NOT NULL CHECK (status IN ('in_progress', 'success', 'failed', 'rolled_back')),
  -- The color this deployment brings up (the target color).
  active_color TEXT NOT NULL CHECK (active_color IN ('blue', 'green')),
  rollback_of  INTEGER REFERENCES deployments (id),
  -- A deployment has ended exactly when it is no longer in progress.
  CHECK ((status = 'in_progress') = (ended_at IS NULL))
) STRICT;

-- At most one deployment per app in flight, enforced here and not by code alone.
CREATE UNIQUE INDEX deployments_one_in_progress_per_app ON deployments (app_name)
  WHERE status = 'in_progress';
-- Deployment history of an app by time.
CREATE INDEX deployments_by_app_time ON deployments (app_name, started_at, id);
-- Foreign-key lookups from the parent side (config pruning, rollback links).
CREATE INDEX deployments_by_config ON deployments (config_id);
CREATE INDEX deployments_by_rollback_of ON deployments (rollback_of) WHERE rollback_of IS NOT NULL;

CREATE TABLE deployment_events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id INTEGER NOT NULL REFERENCES deployments (id),
  app_name      TEXT NOT NULL CHECK (length(app_name) > 0),
  event_type    TEXT NOT NULL CHECK (event_type IN (
    'deploy', 'container_started', 'container_failed', 'health_check_passed',
    'health_check_failed', 'caddy_updated', 'caddy_failed', 'drain_complete',
    'container_stopped', 'stop_failed', 'rollback_complete', 'rollback_failed', 'manual_recovery')),
  -- Added to the spec: the transition itself, so a timeline needs no replay of the state machine.
  from_state    TEXT NOT NULL CHECK (from_state IN (
    'stable', 'starting', 'health_check', 'switching', 'draining', 'stopping', 'rolling_back', 'failed')),
  to_state      TEXT NOT NULL CHECK (to_state IN (
    'stable', 'starting', 'health_check', 'switching', 'draining', 'stopping', 'rolling_back', 'failed')),
  payload       TEXT CHECK (payload IS NULL OR json_valid(payload)),
  error         TEXT,
  created_at    TEXT NOT NULL
    CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;

-- Events of a deployment by time (timeline reconstruction).
CREATE INDEX deployment_events_by_deployment_time ON deployment_events (deployment_id, created_at, id);
-- Events of an app by time.
CREATE INDEX deployment_events_by_app_time ON deployment_events (app_name, created_at, id);

CREATE TABLE current_state (
  app_name      TEXT PRIMARY KEY CHECK (length(app_name) > 0),
  -- The in-flight or last deployment.
  deployment_id INTEGER NOT NULL REFERENCES deployments (id),
  -- What serves traffic: NULL until a deployment of the app first moves traffic.
  active_color  TEXT CHECK (active_color IN ('blue', 'green')),
  image         TEXT,
  status        TEXT NOT NULL CHECK (status IN (
    'stable', 'starting', 'health_check', 'switching', 'draining', 'stopping', 'rolling_back', 'failed')),
  updated_at    TEXT NOT NULL
    CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  CHECK ((active_color IS NULL) = (image IS NULL))
) STRICT;

CREATE INDEX current_state_by_deployment ON current_state (deployment_id);
