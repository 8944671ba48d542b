import type { Database } from "../db/database.ts";

/** Who this file is in a fleet: the row the first `sync` writes (migration 0005). */
export interface HostIdentity {
  host_id: string;
  host_name: string;
  /** Where the identity was claimed: machine id and the file's absolute path. */
  claimed_on: string;
  claimed_at: string;
}

/** The file's fleet identity, or undefined before its first sync. */
export function readHostIdentity(db: Database): HostIdentity | undefined {
  const row = db.get<HostIdentity>(
    "SELECT host_id, host_name, claimed_on, claimed_at FROM host_identity WHERE singleton = 1",
  );
  return row ? { ...row } : undefined;
}

/** Stores the file's fleet identity, replacing the one it had. */
export function writeHostIdentity(db: Database, identity: HostIdentity): void {
  db.run(
    `INSERT INTO host_identity (singleton, host_id, host_name, claimed_on, claimed_at)
     VALUES (1, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET host_id = excluded.host_id,
       host_name = excluded.host_name, claimed_on = excluded.claimed_on,
       claimed_at = excluded.claimed_at`,
    identity.host_id,
    identity.host_name,
    identity.claimed_on,
    identity.claimed_at,
  );
}
