/** dockswap-db command lines inside messages, written so that they paste into a shell and work. */

/** Quotes a word for a POSIX shell only when it needs it, so hints read as typed. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_\/.,:@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A dockswap-db command line naming the database by its absolute path: it works pasted into any
 * shell, whatever its folder or $DOCKSWAP_DB (and when the message came over JSON-RPC).
 */
export function commandFor(databasePath: string, ...args: string[]): string {
  const path = databasePath.startsWith("/")
    ? databasePath
    : `${Deno.cwd()}/${databasePath.replace(/^\.\//, "")}`;
  return ["dockswap-db", "--db", path, ...args].map(shellWord).join(" ");
}
