-- dockswap-db schema 5: who this file is in a fleet (`dockswap-db sync`). One row at most, written
-- by the first sync: the host id every central row of this file carries, the host name shown in
-- the fleet, and where the identity was claimed (the machine id and the file's absolute path), so
-- that a copy of the file found on another machine or at another path is recognised as a copy.
CREATE TABLE host_identity (
  singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
  host_id    TEXT NOT NULL
    CHECK (length(host_id) = 36 AND host_id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-*'),
  host_name  TEXT NOT NULL CHECK (length(host_name) BETWEEN 1 AND 255),
  claimed_on TEXT NOT NULL CHECK (length(claimed_on) > 0),
  claimed_at TEXT NOT NULL
    CHECK (claimed_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;
