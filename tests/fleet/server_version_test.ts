/**
 * The oldest PostgreSQL sync accepts. Only PostgreSQL 15 can be installed here and a server's
 * `server_version_num` cannot be changed, so no older server is refused end to end: the check is
 * tested at its seam, with the number the real server reports (accepted) and with the numbers
 * PostgreSQL 12.22 and 13.0 report (`server_version_num`, documented as major * 10000 + minor).
 */
import { assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { DockswapError } from "../../src/errors.ts";
import { MINIMUM_SERVER_VERSION, refuseOldServer } from "../../src/fleet/central.ts";
import { parseCentralTarget } from "../../src/fleet/central_target.ts";
import { startPostgres } from "./_postgres.ts";

Deno.test("sync: servers older than PostgreSQL 13 are refused", async () => {
  await using pg = await startPostgres();
  const target = parseCentralTarget(pg.url("postgres"), "dockswap");
  const [real] = await pg.rows<{ num: string; version: string }>(
    "postgres",
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
  );
  refuseOldServer(Number(real.num), real.version, target);
  assertEquals(MINIMUM_SERVER_VERSION, 130000);
  refuseOldServer(130000, "13.0", target);
  const error = assertThrows(() => refuseOldServer(120022, "12.22", target)) as DockswapError;
  assertEquals(error.code, "server_unsupported");
  assertStringIncludes(error.message, "PostgreSQL 12.22 at postgres://postgres:***@127.0.0.1");
  assertStringIncludes(error.message, "needs PostgreSQL 13 or newer");
});
