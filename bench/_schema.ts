/** The benchmarks' databases start with the schema the real migrations make. */
import { openDatabase } from "../src/db/open.ts";

/** Creates (or migrates) the dockswap-db file at `path`. */
export function createSchema(path: string): void {
  openDatabase(path).close();
}
