/**
 * Which host a database file is in the fleet. The first sync gives the file a host id (a UUID)
 * and a name, and records where the file was (machine and path). A file found elsewhere is a
 * copy (a restored backup on a new machine, a cloned disk, a moved file), and syncing it under
 * the original's id would merge two hosts' histories, so it is refused until its operator says
 * whether it is a new host or the same host moved.
 */
import { DockswapError } from "../errors.ts";
import type { HostIdentity } from "../store/host_identity.ts";

/** What the operator said about this file's identity. */
export interface IdentityChoice {
  /** A new name, remembered. */
  hostName?: string;
  /** The file is a copy serving another host: give it a new id. */
  asNewHost?: boolean;
  /** The file is the same host, moved or restored elsewhere: keep the id, record the new place. */
  asSameHost?: boolean;
}

/** The identity a sync uses, and whether the file must store it. */
export interface ClaimedIdentity {
  identity: HostIdentity;
  /** True when the file's identity row changes (first sync, new name, new place, new id). */
  changed: boolean;
}

const HOST_NAME_RULE = "1-255 characters without control characters";

/** Checks a host name given by the operator or read from the machine. */
export function checkHostName(name: string): string {
  // deno-lint-ignore no-control-regex
  if (name.length === 0 || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new DockswapError(
      "invalid_argument",
      `Invalid host name ${JSON.stringify(name)}: must be ${HOST_NAME_RULE}`,
      { parameter: "host_name" },
    );
  }
  return name;
}

/** Decides the identity of the file at `place` from what it stores and what the operator said. */
export function claimIdentity(
  stored: HostIdentity | undefined,
  place: string,
  choice: IdentityChoice,
  machineName: string | undefined,
  now: string,
): ClaimedIdentity {
  const name = () => {
    const chosen = choice.hostName ?? machineName;
    if (chosen === undefined) {
      throw new DockswapError(
        "invalid_argument",
        "Cannot tell this machine's host name (neither /proc/sys/kernel/hostname nor " +
          "/etc/hostname says); name the host",
        { parameter: "host_name" },
      );
    }
    return checkHostName(chosen);
  };
  const fresh = (): ClaimedIdentity => ({
    identity: {
      host_id: crypto.randomUUID(),
      host_name: name(),
      claimed_on: place,
      claimed_at: now,
    },
    changed: true,
  });
  if (stored === undefined || choice.asNewHost) return fresh();
  if (stored.claimed_on !== place && !choice.asSameHost) {
    throw new DockswapError(
      "host_identity_conflict",
      `This database file syncs as host "${stored.host_name}" (id ${stored.host_id}), an ` +
        `identity it was given at ${stored.claimed_on}; it is now at ${place}, so it is a ` +
        "copy (a restored backup on another machine, a cloned disk) or was moved. Syncing it " +
        "under the same id would merge two hosts' histories; nothing was sent or changed.",
      {
        host_id: stored.host_id,
        host_name: stored.host_name,
        claimed_on: stored.claimed_on,
        place,
      },
    );
  }
  const hostName = choice.hostName === undefined
    ? stored.host_name
    : checkHostName(choice.hostName);
  const identity = { ...stored, host_name: hostName, claimed_on: place };
  const changed = identity.host_name !== stored.host_name ||
    identity.claimed_on !== stored.claimed_on;
  return { identity: changed ? { ...identity, claimed_at: now } : stored, changed };
}
