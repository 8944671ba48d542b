/** The central server options `sync` and `fleet` share, and opening the connection. */
import type { Central } from "../../fleet/central.ts";
import type { CentralTarget } from "../../fleet/central_target.ts";
import { DockswapError } from "../../errors.ts";
import type { CommandRunner } from "../runner.ts";

/** The environment variable holding the central server's URL. */
export const URL_VARIABLE = "DOCKSWAP_SYNC_URL";

export interface ServerOptions {
  schema?: string;
}

export const SERVER_HELP = `
The URL: postgres:// or postgresql://, with a user and a database; query parameters sslmode
(disable, allow, prefer (default), require, verify-ca, verify-full), sslrootcert (a CA file)
and connect_timeout (seconds, default 10). With a password, prefer $${URL_VARIABLE} to the
command line: ps shows command lines, not the environment. The password is never printed.`;

/** The server a command talks to: the flag, else $DOCKSWAP_SYNC_URL, checked. */
export async function centralTarget(
  runner: CommandRunner,
  url: string | undefined,
  schema: string | undefined,
  flag: string,
): Promise<CentralTarget> {
  const given = url ?? runner.io.env(URL_VARIABLE);
  if (given === undefined || given === "") {
    throw new DockswapError(
      "invalid_argument",
      `No central server: pass ${flag} postgres://USER@HOST/DATABASE or set $${URL_VARIABLE}`,
    );
  }
  const { DEFAULT_SCHEMA, parseCentralTarget } = await import("../../fleet/central_target.ts");
  try {
    return parseCentralTarget(given, schema ?? DEFAULT_SCHEMA);
  } catch (error) {
    if (error instanceof DockswapError && error.details?.parameter === "url" && url === undefined) {
      throw new DockswapError(error.code, `$${URL_VARIABLE}: ${error.message}`, error.details);
    }
    throw error;
  }
}

/** Connects (loading the PostgreSQL client only now), runs `work`, and disconnects. */
export async function withCentral<T>(
  target: CentralTarget,
  work: (central: Central) => Promise<T>,
): Promise<T> {
  const { Central } = await import("../../fleet/central.ts");
  const central = await Central.connect(target);
  try {
    return await work(central);
  } finally {
    await central.close();
  }
}
