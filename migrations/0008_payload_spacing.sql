-- Whether any event's payload is stored with spacing (text that SQLite's json() would change).
-- `deploy event` stores JSON.stringify's compact text; adoption keeps a Go payload's text as it
-- was. While no payload is spaced, export puts each payload's stored text into its line as it is;
-- once one is, every payload goes through json() again. Kept by triggers on every write (by any
-- program); never cleared (`prune` leaves it). One row; no row reads as spaced.
CREATE TABLE payload_spacing (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  spaced INTEGER NOT NULL CHECK (spaced = 0 OR spaced = 1)
) STRICT;

-- One pass over the events recorded so far, stopping at the first spaced payload. A payload
-- this SQLite does not read as JSON (one nested past its 1,000 levels, which an older SQLite let
-- in) counts as spaced instead of failing the migration, and so every command: json() would
-- raise on it, json_valid() says 0. (Corrected after release: the first text called json()
-- alone; migrations/mod.ts still accepts its checksum, as it applied the same where it ran.)
INSERT INTO payload_spacing (id, spaced)
  SELECT 1, EXISTS (
    SELECT 1 FROM deployment_events
    WHERE payload IS NOT NULL
      AND CASE WHEN json_valid(payload) THEN payload <> json(payload) ELSE 1 END
  );

-- The CHECK (json_valid) runs before these, so json() cannot fail here; a NULL payload compares
-- as NULL, which is not spaced.
CREATE TRIGGER payload_spacing_on_insert AFTER INSERT ON deployment_events
WHEN new.payload <> json(new.payload)
BEGIN
  UPDATE payload_spacing SET spaced = 1 WHERE spaced = 0;
END;

CREATE TRIGGER payload_spacing_on_update AFTER UPDATE OF payload ON deployment_events
WHEN new.payload <> json(new.payload)
BEGIN
  UPDATE payload_spacing SET spaced = 1 WHERE spaced = 0;
END;
