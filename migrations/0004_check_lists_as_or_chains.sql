-- dockswap-db schema 4: the same constraints, each CHECK (column IN (...)) written as an OR chain.
-- SQLite evaluates an IN list through an ephemeral table built each time a statement runs, which
-- made the list checks the largest cost of an insert; x = 'a' OR x = 'b' is what x IN ('a', 'b')
-- means, NULL included (both are NULL for a NULL column, which a CHECK lets through). A CHECK
-- cannot be altered, so the three tables that have such lists are rebuilt (SQLite's "12-step"
-- procedure; the runner turns foreign keys off around the transaction and checks them before it
-- commits). Ids and AUTOINCREMENT counters are kept; indexes and the triggers of schema 3 are
-- made again as they were.

DROP TRIGGER deployment_events_same_app_insert;
DROP TRIGGER deployment_events_same_app_update;
DROP TRIGGER deployments_config_same_app_insert;
DROP TRIGGER deployments_config_same_app_update;
DROP TRIGGER deployments_events_same_app_insert;
DROP TRIGGER deployments_events_same_app_update;
DROP TRIGGER app_configs_deployments_same_app_insert;
DROP TRIGGER app_configs_deployments_same_app_update;

CREATE TABLE deployments_new (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  app_name     TEXT NOT NULL CHECK (length(app_name) > 0),
  -- Nullable only so that adopted legacy rows whose config is lost can be kept; new rows always set it.
  config_id    INTEGER REFERENCES app_configs (id),
  image        TEXT NOT NULL CHECK (length(image) > 0),
  started_at   TEXT NOT NULL
    CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  ended_at     TEXT
    CHECK (ended_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  status       TEXT NOT NULL CHECK (status = 'in_progress' OR status = 'success' OR status = 'failed'
    OR status = 'rolled_back'),
  -- The color this deployment brings up (the target color).
  active_color TEXT NOT NULL CHECK (active_color = 'blue' OR active_color = 'green'),
  rollback_of  INTEGER REFERENCES deployments (id),
  -- The Go status word of an adopted row (NULL for rows this tool wrote); schema 2.
  legacy_status TEXT,
  -- A deployment has ended exactly when it is no longer in progress.
  CHECK ((status = 'in_progress') = (ended_at IS NULL))
) STRICT;

CREATE TABLE deployment_events_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id INTEGER NOT NULL REFERENCES deployments (id),
  app_name      TEXT NOT NULL CHECK (length(app_name) > 0),
  event_type    TEXT NOT NULL CHECK (event_type = 'deploy' OR event_type = 'container_started'
    OR event_type = 'container_failed' OR event_type = 'health_check_passed'
    OR event_type = 'health_check_failed' OR event_type = 'caddy_updated'
    OR event_type = 'caddy_failed' OR event_type = 'drain_complete'
    OR event_type = 'container_stopped' OR event_type = 'stop_failed'
    OR event_type = 'rollback_complete' OR event_type = 'rollback_failed'
    OR event_type = 'manual_recovery'),
  -- Added to the spec: the transition itself, so a timeline needs no replay of the state machine.
  from_state    TEXT NOT NULL CHECK (from_state = 'stable' OR from_state = 'starting'
    OR from_state = 'health_check' OR from_state = 'switching' OR from_state = 'draining'
    OR from_state = 'stopping' OR from_state = 'rolling_back' OR from_state = 'failed'),
  to_state      TEXT NOT NULL CHECK (to_state = 'stable' OR to_state = 'starting'
    OR to_state = 'health_check' OR to_state = 'switching' OR to_state = 'draining'
    OR to_state = 'stopping' OR to_state = 'rolling_back' OR to_state = 'failed'),
  payload       TEXT CHECK (payload IS NULL OR json_valid(payload)),
  error         TEXT,
  created_at    TEXT NOT NULL
    CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;

CREATE TABLE current_state_new (
  app_name      TEXT PRIMARY KEY CHECK (length(app_name) > 0),
  -- The in-flight or last deployment.
  deployment_id INTEGER NOT NULL REFERENCES deployments (id),
  -- What serves traffic: NULL until a deployment of the app first moves traffic.
  active_color  TEXT CHECK (active_color = 'blue' OR active_color = 'green'),
  image         TEXT,
  status        TEXT NOT NULL CHECK (status = 'stable' OR status = 'starting'
    OR status = 'health_check' OR status = 'switching' OR status = 'draining'
    OR status = 'stopping' OR status = 'rolling_back' OR status = 'failed'),
  updated_at    TEXT NOT NULL
    CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
  -- The Go status word of an adopted row (NULL for rows this tool wrote); schema 2.
  legacy_status TEXT,
  CHECK ((active_color IS NULL) = (image IS NULL))
) STRICT;

-- Column by column, in rowid order (current_state's rowids are kept too).
INSERT INTO deployments_new (id, app_name, config_id, image, started_at, ended_at, status,
    active_color, rollback_of, legacy_status)
  SELECT id, app_name, config_id, image, started_at, ended_at, status, active_color, rollback_of,
    legacy_status
  FROM deployments ORDER BY id;
INSERT INTO deployment_events_new (id, deployment_id, app_name, event_type, from_state, to_state,
    payload, error, created_at)
  SELECT id, deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at
  FROM deployment_events ORDER BY id;
INSERT INTO current_state_new (rowid, app_name, deployment_id, active_color, image, status,
    updated_at, legacy_status)
  SELECT rowid, app_name, deployment_id, active_color, image, status, updated_at, legacy_status
  FROM current_state ORDER BY rowid;

-- AUTOINCREMENT's counters as they were (past rows since deleted, e.g. by prune).
DELETE FROM sqlite_sequence WHERE name IN ('deployments_new', 'deployment_events_new');
INSERT INTO sqlite_sequence (name, seq)
  SELECT name || '_new', seq FROM sqlite_sequence
  WHERE name IN ('deployments', 'deployment_events');

DROP TABLE current_state;
DROP TABLE deployment_events;
DROP TABLE deployments;
ALTER TABLE deployments_new RENAME TO deployments;
ALTER TABLE deployment_events_new RENAME TO deployment_events;
ALTER TABLE current_state_new RENAME TO current_state;

-- The indexes of schema 1, as they were.
CREATE UNIQUE INDEX deployments_one_in_progress_per_app ON deployments (app_name)
  WHERE status = 'in_progress';
CREATE INDEX deployments_by_app_time ON deployments (app_name, started_at, id);
CREATE INDEX deployments_by_config ON deployments (config_id);
CREATE INDEX deployments_by_rollback_of ON deployments (rollback_of) WHERE rollback_of IS NOT NULL;
CREATE INDEX deployment_events_by_deployment_time ON deployment_events (deployment_id, created_at, id);
CREATE INDEX deployment_events_by_app_time ON deployment_events (app_name, created_at, id);
CREATE INDEX current_state_by_deployment ON current_state (deployment_id);

-- The triggers of schema 3, as they were.
CREATE TRIGGER deployment_events_same_app_insert
BEFORE INSERT ON deployment_events
WHEN EXISTS (SELECT 1 FROM deployments
             WHERE id = NEW.deployment_id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployment_events.app_name must be the app_name of its deployment');
END;

CREATE TRIGGER deployment_events_same_app_update
BEFORE UPDATE OF deployment_id, app_name ON deployment_events
WHEN EXISTS (SELECT 1 FROM deployments
             WHERE id = NEW.deployment_id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployment_events.app_name must be the app_name of its deployment');
END;

CREATE TRIGGER deployments_config_same_app_insert
BEFORE INSERT ON deployments
WHEN NEW.config_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM app_configs WHERE id = NEW.config_id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployments.config_id must name a config of the same app_name');
END;

CREATE TRIGGER deployments_config_same_app_update
BEFORE UPDATE OF config_id, app_name ON deployments
WHEN NEW.config_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM app_configs WHERE id = NEW.config_id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployments.config_id must name a config of the same app_name');
END;

CREATE TRIGGER deployments_events_same_app_insert
BEFORE INSERT ON deployments
WHEN EXISTS (SELECT 1 FROM deployment_events
             WHERE deployment_id = NEW.id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployment_events.app_name must be the app_name of its deployment');
END;

CREATE TRIGGER deployments_events_same_app_update
BEFORE UPDATE OF id, app_name ON deployments
WHEN EXISTS (SELECT 1 FROM deployment_events
             WHERE deployment_id = NEW.id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployment_events.app_name must be the app_name of its deployment');
END;

CREATE TRIGGER app_configs_deployments_same_app_insert
BEFORE INSERT ON app_configs
WHEN EXISTS (SELECT 1 FROM deployments WHERE config_id = NEW.id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployments.config_id must name a config of the same app_name');
END;

CREATE TRIGGER app_configs_deployments_same_app_update
BEFORE UPDATE OF id, app_name ON app_configs
WHEN EXISTS (SELECT 1 FROM deployments WHERE config_id = NEW.id AND app_name IS NOT NEW.app_name)
BEGIN
  SELECT RAISE(ABORT, 'deployments.config_id must name a config of the same app_name');
END;
