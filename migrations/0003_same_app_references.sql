-- dockswap-db schema 3: an event belongs to its deployment's app, and a deployment uses a config of
-- its own app (or none). Triggers rather than composite foreign keys, which would rebuild both
-- child tables and add a unique (id, app_name) index to each parent: each check is one indexed
-- lookup. A reference to a missing row is left to the foreign keys (and to doctor when they were
-- off); these compare apps whenever both rows exist, whichever was written first.

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

-- The parent side: a deployment or config written after rows that point at it (foreign keys
-- off), or changing app or id, must not leave rows of another app pointing at it.
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
