-- Running totals for `dockswap-db metrics`, kept current by triggers on every write (by any
-- program), so that reading them costs a few rows per app however long the history is. They are
-- never decremented: `prune` deletes rows, not what was counted, so counters stay monotonic.

-- Deployments ended, per app and outcome, and when the last one of each ended.
CREATE TABLE metric_deployments_ended (
  app_name      TEXT NOT NULL,
  status        TEXT NOT NULL
    CHECK (status = 'success' OR status = 'failed' OR status = 'rolled_back'),
  count         INTEGER NOT NULL,
  last_ended_at TEXT NOT NULL,
  PRIMARY KEY (app_name, status)
) STRICT;

-- The upper bounds (seconds) of the deployment duration histogram's buckets; +Inf is implied.
CREATE TABLE metric_duration_bounds (le REAL PRIMARY KEY) STRICT;
INSERT INTO metric_duration_bounds (le)
  VALUES (5), (10), (30), (60), (120), (300), (600), (1800), (3600), (7200);

-- Deployment durations (ms, from start to the event that ended it), per app, counted in the
-- smallest bucket that holds them (le = 9e999, +Inf, above the last bound).
CREATE TABLE metric_deployment_durations (
  app_name    TEXT NOT NULL,
  le          REAL NOT NULL,
  count       INTEGER NOT NULL,
  sum_ms      INTEGER NOT NULL,
  PRIMARY KEY (app_name, le)
) STRICT;

-- Time spent in each state (ms), per app: each event ends the span of its from_state, which
-- began at the deployment's previous event.
CREATE TABLE metric_state_time (
  app_name    TEXT NOT NULL,
  state       TEXT NOT NULL,
  count       INTEGER NOT NULL,
  sum_ms      INTEGER NOT NULL,
  PRIMARY KEY (app_name, state)
) STRICT;

CREATE TRIGGER metric_deployment_ended_on_update AFTER UPDATE OF status ON deployments
WHEN old.status = 'in_progress' AND new.status <> 'in_progress'
BEGIN
  INSERT INTO metric_deployments_ended (app_name, status, count, last_ended_at)
    VALUES (new.app_name, new.status, 1, new.ended_at)
    ON CONFLICT (app_name, status) DO UPDATE SET count = count + 1,
      last_ended_at = max(last_ended_at, excluded.last_ended_at);
END;

-- Rows written already ended (adopted history).
CREATE TRIGGER metric_deployment_ended_on_insert AFTER INSERT ON deployments
WHEN new.status <> 'in_progress'
BEGIN
  INSERT INTO metric_deployments_ended (app_name, status, count, last_ended_at)
    VALUES (new.app_name, new.status, 1, new.ended_at)
    ON CONFLICT (app_name, status) DO UPDATE SET count = count + 1,
      last_ended_at = max(last_ended_at, excluded.last_ended_at);
END;

-- One indexed read of the deployment's previous event per event written.
CREATE TRIGGER metric_state_time_on_event AFTER INSERT ON deployment_events
BEGIN
  INSERT INTO metric_state_time (app_name, state, count, sum_ms)
    SELECT new.app_name, new.from_state, 1,
        CAST(round((unixepoch(new.created_at, 'subsec') - unixepoch(previous.created_at, 'subsec')) * 1000) AS INTEGER)
      FROM (SELECT created_at FROM deployment_events
            WHERE deployment_id = new.deployment_id
              AND (created_at < new.created_at OR (created_at = new.created_at AND id < new.id))
            ORDER BY created_at DESC, id DESC LIMIT 1) AS previous
      WHERE true
    ON CONFLICT (app_name, state) DO UPDATE SET count = count + 1,
      sum_ms = sum_ms + excluded.sum_ms;
END;

-- The event that ends a deployment (into stable or failed from a state in flight) measures it.
CREATE TRIGGER metric_duration_on_event AFTER INSERT ON deployment_events
WHEN (new.to_state = 'stable' OR new.to_state = 'failed')
  AND new.from_state <> 'stable' AND new.from_state <> 'failed'
BEGIN
  INSERT INTO metric_deployment_durations (app_name, le, count, sum_ms)
    SELECT new.app_name,
        coalesce((SELECT min(le) FROM metric_duration_bounds WHERE le * 1000 >= measured.ms), 9e999),
        1, measured.ms
      FROM (SELECT CAST(round((unixepoch(new.created_at, 'subsec') - unixepoch(started_at, 'subsec')) * 1000) AS INTEGER) AS ms
            FROM deployments WHERE id = new.deployment_id) AS measured
      WHERE true
    ON CONFLICT (app_name, le) DO UPDATE SET count = count + 1,
      sum_ms = sum_ms + excluded.sum_ms;
END;

-- The history already recorded, counted as the triggers would have.
INSERT INTO metric_deployments_ended (app_name, status, count, last_ended_at)
  SELECT app_name, status, count(*), max(ended_at) FROM deployments
  WHERE status <> 'in_progress' GROUP BY app_name, status;

INSERT INTO metric_state_time (app_name, state, count, sum_ms)
  SELECT app_name, from_state, count(*), sum(ms) FROM (
    SELECT app_name, from_state, CAST(round((unixepoch(created_at, 'subsec') -
        unixepoch(lag(created_at) OVER (PARTITION BY deployment_id ORDER BY created_at, id),
          'subsec')) * 1000) AS INTEGER) AS ms
    FROM deployment_events)
  WHERE ms IS NOT NULL GROUP BY app_name, from_state;

INSERT INTO metric_deployment_durations (app_name, le, count, sum_ms)
  SELECT app_name,
      coalesce((SELECT min(le) FROM metric_duration_bounds WHERE le * 1000 >= ms), 9e999),
      count(*), sum(ms)
  FROM (
    SELECT e.app_name, CAST(round((unixepoch(e.created_at, 'subsec') - unixepoch(d.started_at, 'subsec')) * 1000) AS INTEGER) AS ms
    FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id
    WHERE (e.to_state = 'stable' OR e.to_state = 'failed')
      AND e.from_state <> 'stable' AND e.from_state <> 'failed')
  GROUP BY 1, 2;
