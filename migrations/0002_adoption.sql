-- dockswap-db schema 2: what adopting a Go dockswap database keeps.
-- The Go status word of each adopted row (NULL for rows this tool wrote).
ALTER TABLE deployments ADD COLUMN legacy_status TEXT;
ALTER TABLE current_state ADD COLUMN legacy_status TEXT;

-- Every repair made while adopting a Go dockswap database, one row each, with the old value.
CREATE TABLE adoption_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  adopted_at  TEXT NOT NULL,
  table_name  TEXT NOT NULL,
  row_key     TEXT NOT NULL,
  column_name TEXT,
  old_value   TEXT,
  new_value   TEXT,
  reason      TEXT NOT NULL
) STRICT;
