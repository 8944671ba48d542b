/**
 * `--version`: the tool, the newest schema it knows and the SQLite it links. Its own small module,
 * so that `dockswap-db --version` alone is answered without loading the command-line program.
 */
import { sqliteVersion } from "../db/database.ts";
import { SCHEMA_VERSION } from "../db/identity.ts";
import { VERSION } from "../version.ts";

/** The line `--version` prints. */
export function versionLine(): string {
  return `dockswap-db ${VERSION} (schema ${SCHEMA_VERSION}, SQLite ${sqliteVersion()})`;
}
