/**
 * The machine a database file lives on, read from files (no `--allow-sys`): its host name and
 * the place a file is, which tells a copy of the file from the original.
 */

/** The first line of the first readable file, trimmed; undefined when none has one. */
function firstLine(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    try {
      const line = Deno.readTextFileSync(path).split("\n", 1)[0].trim();
      if (line.length > 0) return line;
    } catch {
      // Not on this system (a container without /etc/machine-id): try the next.
    }
  }
  return undefined;
}

/** The machine's host name, as `hostname` prints it; undefined when no file says. */
export function machineHostName(): string | undefined {
  return firstLine(["/proc/sys/kernel/hostname", "/etc/hostname"]);
}

/**
 * Where a database file is: the machine (its systemd/D-Bus machine id, else its host name) and
 * the file's absolute path, links resolved. It survives reboots and a backup restored to the same
 * path; a copy on another machine or at another path has another.
 */
export function placeOf(databasePath: string): string {
  const machineId = firstLine(["/etc/machine-id", "/var/lib/dbus/machine-id"]);
  const machine = machineId ? `machine-id ${machineId}` : `host ${machineHostName() ?? "unknown"}`;
  return `${machine}, ${Deno.realPathSync(databasePath)}`;
}
