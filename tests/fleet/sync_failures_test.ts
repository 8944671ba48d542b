/**
 * `sync` when things go wrong: killed with SIGKILL mid-way, two at once, the server ending the
 * connection mid-batch, an unreachable server, bad credentials, a central schema from a newer
 * binary, a role without the privileges. Each leaves the local file as it was and the central
 * copy consistent, and the next sync completes the work.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, commandLine, EXECUTABLE, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { addHistory } from "../_history.ts";
import {
  assertCentralEqualsLocal,
  centralCounts,
  hostIdOf,
  newCentralAndHost,
  newHost,
  sync,
  syncJson,
} from "./_fleet.ts";
import { type PostgresServer, startPostgres } from "./_postgres.ts";

/** Starts a sync in the background, on many small batches. */
function startSync(db: string, url: string): Deno.ChildProcess {
  return new Deno.Command(EXECUTABLE, {
    args: [...commandLine(), "--db", db, "sync", "--batch-rows", "200"],
    env: cleanEnv({ DOCKSWAP_SYNC_URL: url }),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * A central database whose schema exists (a one-event host has synced into it) and whose events
 * table lets one batch through, then holds every later one in `pg_sleep` until its connection is
 * ended: a sync interrupted there is mid-batch however fast the machine is.
 */
async function centralHoldingSecondEventBatch(
  pg: PostgresServer,
  path: string,
): Promise<{ database: string; url: string }> {
  const { database, url, db } = await newCentralAndHost(pg, path, {
    app: "schema-maker",
    deployments: 1,
  });
  await syncJson(db, url, "--host-name", "schema-maker");
  await pg.psql(
    database,
    `CREATE SEQUENCE public.event_batches;
     CREATE FUNCTION public.hold_later_batches() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF nextval('public.event_batches') > 1 THEN PERFORM pg_sleep(600); END IF;
         RETURN NULL;
       END $$;
     CREATE TRIGGER hold_later_batches BEFORE INSERT ON dockswap.deployment_events
       FOR EACH STATEMENT EXECUTE FUNCTION public.hold_later_batches();`,
  );
  return { database, url };
}

/** Waits until the sync under way is held in its second batch of events. */
async function waitUntilHeld(pg: PostgresServer, database: string, child: Deno.ChildProcess) {
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 600 && !exited; i++) {
    const held = await pg.rows(
      database,
      `SELECT pid FROM pg_stat_activity
       WHERE application_name = 'dockswap-db' AND wait_event = 'PgSleep'`,
    );
    if (held.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the sync was never held (it ${exited ? "exited" : "is stuck"})`);
}

/** Ends the sync's connections, then lets later syncs through. */
async function endHeldSyncs(pg: PostgresServer, database: string) {
  await pg.psql(
    database,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE application_name = 'dockswap-db';
     DROP TRIGGER hold_later_batches ON dockswap.deployment_events;`,
  );
}

/** Every central row of the host up to each high-water mark is there once, and none beyond it. */
async function assertConsistentWithMarks(pg: PostgresServer, database: string, db: string) {
  const host = `'${hostIdOf(db)}'`;
  const [central] = await pg.rows<Record<string, number>>(
    database,
    `SELECT sent_configs, sent_deployments, sent_events,
            (SELECT count(*) FROM dockswap.app_configs WHERE host_id = ${host}) AS app_configs,
            (SELECT count(*) FROM dockswap.deployments WHERE host_id = ${host}) AS deployments,
            (SELECT count(*) FROM dockswap.deployment_events WHERE host_id = ${host}) AS events
     FROM dockswap.hosts WHERE id = ${host}`,
  );
  const localUpTo = (table: string, mark: number) =>
    query<{ n: number }>(db, `SELECT count(*) AS n FROM ${table} WHERE id <= ?`, mark)[0].n;
  assertEquals(central.app_configs, localUpTo("app_configs", central.sent_configs));
  assertEquals(central.deployments, localUpTo("deployments", central.sent_deployments));
  assertEquals(central.events, localUpTo("deployment_events", central.sent_events));
  assert(central.events > 0, "a batch of events was sent before the interruption");
}

Deno.test("sync failures", async (t) => {
  await using pg = await startPostgres();
  await using dir = await tempDir();
  const bigHost = `${dir.path}/big.db`;
  await newHost(bigHost, { app: "web-api", deployments: 1000 });
  // Copied before any sync: a host of its own, not a copy of a host that has synced.
  const dropped = `${dir.path}/dropped.db`;
  await Deno.copyFile(bigHost, dropped);

  await t.step("killed with SIGKILL mid-sync, the next sync completes it exactly", async () => {
    const { database, url } = await centralHoldingSecondEventBatch(pg, `${dir.path}/maker1.db`);
    const child = startSync(bigHost, url);
    await waitUntilHeld(pg, database, child);
    child.kill("SIGKILL");
    assertEquals((await child.output()).signal, "SIGKILL");
    // The server notices a vanished client only when it next talks to it; end the held backend
    // as it would.
    await endHeldSyncs(pg, database);
    await assertConsistentWithMarks(pg, database, bigHost);
    await syncJson(bigHost, url);
    await assertCentralEqualsLocal(pg, database, bigHost);
  });

  await t.step(
    "the server ending the connection mid-batch: a clear error, then a full re-sync",
    async () => {
      const { database, url } = await centralHoldingSecondEventBatch(pg, `${dir.path}/maker2.db`);
      const db = dropped;
      const child = startSync(db, url);
      await waitUntilHeld(pg, database, child);
      await endHeldSyncs(pg, database);
      const ended = Date.now();
      const output = await child.output();
      // Not a speed target: before, the client waited out postgres.js's whole 5 s close grace.
      assert(Date.now() - ended < 4000, "the sync exits once its connection is gone");
      const stderr = new TextDecoder().decode(output.stderr);
      assertEquals(output.code, 9, stderr);
      assertStringIncludes(stderr, "[server_unreachable]");
      await assertConsistentWithMarks(pg, database, db);
      await syncJson(db, url);
      await assertCentralEqualsLocal(pg, database, db);
    },
  );

  await t.step("two syncs of one fresh host at once: one id, every row once", async () => {
    const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/twice.db`, {
      app: "web-api",
      deployments: 300,
    });
    const results = await Promise.all([sync(db, url), sync(db, url)]);
    for (const result of results) assertEquals(result.code, 0, result.stderr);
    assertEquals((await centralCounts(pg, database)).hosts, 1);
    await assertCentralEqualsLocal(pg, database, db);
  });

  await t.step(
    "unreachable server, bad password, bad URL: clear errors, the file untouched",
    async () => {
      const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/untouched.db`, {
        app: "web-api",
        deployments: 1,
      });
      const bytes = await Deno.readFile(db);
      const cases: [string, number, string][] = [
        ["postgres://postgres@127.0.0.1:1/x", 9, "[server_unreachable]"],
        [pg.url(database, "postgres", "wrong"), 9, "wrong password"],
        [url + "?sslmode=require", 9, "[server_refused]"],
        ["mysql://root@127.0.0.1/x", 2, "not postgres"],
        ["postgres://127.0.0.1/x", 2, "names no user"],
      ];
      for (const [url, code, message] of cases) {
        const result = await sync(db, url);
        assertEquals(result.code, code, `${url}: ${result.stderr}`);
        assertStringIncludes(result.stderr, message);
        assert(!result.stderr.includes("wrong@"), "the password is never printed");
      }
      const none = await cli(["--db", db, "sync"]);
      assertEquals(none.code, 2, none.stderr);
      assertStringIncludes(none.stderr, "DOCKSWAP_SYNC_URL");
      assertEquals(await Deno.readFile(db), bytes);
      assertEquals(query(db, "SELECT * FROM host_identity"), []);
      // The next sync with a working server does the work.
      await syncJson(db, url, "--host-name", "late");
      await assertCentralEqualsLocal(pg, database, db);
    },
  );

  await t.step(
    "a central schema from a newer dockswap-db is refused; nothing is sent",
    async () => {
      const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/older.db`, {
        app: "web-api",
        deployments: 1,
      });
      await syncJson(db, url, "--host-name", "older");
      await pg.psql(
        database,
        "INSERT INTO dockswap.schema_migrations (version, name, checksum) VALUES (99, '0099_x.sql', 'x');",
      );
      addHistory(db, { app: "web-api", deployments: 1, start: "2026-02-01T00:00:00.000Z" });
      const before = await centralCounts(pg, database);
      const refused = await sync(db, url);
      assertEquals(refused.code, 6, refused.stderr);
      assertStringIncludes(refused.stderr, "[schema_too_new]");
      assertStringIncludes(refused.stderr, "version 99");
      assertEquals(await centralCounts(pg, database), before);
      const read = await cli(["fleet", "hosts"], { env: { DOCKSWAP_SYNC_URL: url } });
      assertEquals(read.code, 6, read.stderr);
    },
  );

  await t.step(
    "the least-privilege roles of docs/fleet.md: one syncs, one only reads",
    async () => {
      const { database, db } = await newCentralAndHost(pg, `${dir.path}/least.db`, {
        app: "web-api",
        deployments: 2,
      });
      await pg.psql(
        database,
        `CREATE ROLE dockswap_sync LOGIN PASSWORD 'sync-pw';
       CREATE SCHEMA dockswap AUTHORIZATION dockswap_sync;
       CREATE ROLE fleet_reader LOGIN PASSWORD 'read-pw';`,
      );
      await syncJson(db, pg.url(database, "dockswap_sync", "sync-pw"), "--host-name", "least");
      await assertCentralEqualsLocal(pg, database, db);
      await pg.psql(
        database,
        `GRANT USAGE ON SCHEMA dockswap TO fleet_reader;
       GRANT SELECT ON ALL TABLES IN SCHEMA dockswap TO fleet_reader;`,
      );
      const reader = pg.url(database, "fleet_reader", "read-pw");
      const status = await cli(["--json", "fleet", "status"], {
        env: { DOCKSWAP_SYNC_URL: reader },
      });
      assertEquals(status.code, 0, status.stderr);
      assertEquals(JSON.parse(status.stdout).length, 1);
      const denied = await sync(db, reader);
      assertEquals(denied.code, 9, denied.stderr);
      assertStringIncludes(denied.stderr, "permission denied");
    },
  );
});
