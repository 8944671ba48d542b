/**
 * `sync`'s two ways into a central table: rows the server cannot have yet (nothing of the host
 * above its high-water mark) go straight into the table by COPY; rows it may have go through the
 * staging table and an upsert. The second must still be taken when the server holds rows above
 * the mark, whoever put them there, and both end with the central copy equal to the file.
 */
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, commandLine, EXECUTABLE, tempDir } from "../_cli.ts";
import { addHistory } from "../_history.ts";
import { assertCentralEqualsLocal, centralCounts, hostIdOf, newHost, syncJson } from "./_fleet.ts";
import { startPostgres } from "./_postgres.ts";

Deno.test("sync: rows above the server's mark are upserted, not inserted twice", async () => {
  await using pg = await startPostgres();
  await using dir = await tempDir();
  const database = await pg.createDatabase();
  const url = pg.url(database);
  const db = await newHost(`${dir.path}/marks.db`);
  addHistory(db, { app: "web-api", deployments: 4 });
  // Small batches: the first sync's rows go in several straight COPYs, each with its mark.
  await syncJson(db, url, "--host-name", "marks", "--batch-rows", "3");
  await assertCentralEqualsLocal(pg, database, db);
  const sent = await centralCounts(pg, database);

  // The marks set back by hand and a central row above them changed: the server now holds
  // rows of this host that the next sync sends again.
  const host = `'${hostIdOf(db)}'`;
  await pg.psql(
    database,
    `UPDATE dockswap.hosts SET sent_configs = 1, sent_deployments = 1, sent_events = 2
       WHERE id = ${host};
     UPDATE dockswap.deployment_events SET error = 'changed centrally'
       WHERE host_id = ${host} AND id = 5;`,
  );
  addHistory(db, { app: "web-api", deployments: 1, start: "2026-05-01T00:00:00.000Z" });
  const again = await syncJson(db, url, "--batch-rows", "3");
  assertEquals(again.first_sync, false);
  await assertCentralEqualsLocal(pg, database, db);
  const after = await centralCounts(pg, database);
  assertEquals(after.deployments, sent.deployments + 1, "the re-sent rows are written once");
  const [marks] = await pg.rows<Record<string, number>>(
    database,
    `SELECT sent_configs, sent_deployments, sent_events FROM dockswap.hosts WHERE id = ${host}`,
  );
  assertEquals(marks, {
    sent_configs: after.app_configs,
    sent_deployments: after.deployments,
    sent_events: after.deployment_events,
  });
});

Deno.test("sync: a row the server refuses in a straight COPY is a clear error, not a hang", async () => {
  await using pg = await startPostgres();
  await using dir = await tempDir();
  const database = await pg.createDatabase();
  const url = pg.url(database);
  const db = await newHost(`${dir.path}/refused.db`);
  addHistory(db, { app: "web-api", deployments: 2 });
  await syncJson(db, url, "--host-name", "refused");
  const sent = await centralCounts(pg, database);
  // A rule the central table has and the file's new events break (added by hand).
  await pg.psql(
    database,
    `ALTER TABLE dockswap.deployment_events
       ADD CONSTRAINT before_may CHECK (created_at < '2026-05-01T00:00:00Z');`,
  );
  addHistory(db, { app: "web-api", deployments: 1, start: "2026-05-01T00:00:00.000Z" });
  const refused = await new Deno.Command(EXECUTABLE, {
    args: [...commandLine(), "--db", db, "sync"],
    env: cleanEnv({ DOCKSWAP_SYNC_URL: url }),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    // A COPY whose error went unseen left the sync waiting forever.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(refused.stderr);
  assertEquals(refused.code, 9, stderr);
  assertStringIncludes(stderr, "[server_refused]");
  assertStringIncludes(stderr, "before_may");
  assertEquals(
    (await centralCounts(pg, database)).deployment_events,
    sent.deployment_events,
    "the refused batch wrote nothing",
  );
  await pg.psql(database, "ALTER TABLE dockswap.deployment_events DROP CONSTRAINT before_may;");
  await syncJson(db, url);
  await assertCentralEqualsLocal(pg, database, db);
});

Deno.test("sync: a table under row-level security takes the staging upsert (COPY is refused)", async () => {
  await using pg = await startPostgres();
  await using dir = await tempDir();
  const database = await pg.createDatabase();
  await pg.psql(
    database,
    `CREATE ROLE dockswap_sync LOGIN PASSWORD 'sync-pw';
     CREATE SCHEMA dockswap AUTHORIZATION dockswap_sync;`,
  );
  const url = pg.url(database, "dockswap_sync", "sync-pw");
  const db = await newHost(`${dir.path}/policed.db`);
  addHistory(db, { app: "web-api", deployments: 2 });
  await syncJson(db, url, "--host-name", "policed");
  // Policies that let every row through, forced on the tables' owner (the sync role).
  await pg.psql(
    database,
    ["app_configs", "deployments", "deployment_events"].map((table) =>
      `ALTER TABLE dockswap.${table} ENABLE ROW LEVEL SECURITY;
       ALTER TABLE dockswap.${table} FORCE ROW LEVEL SECURITY;
       CREATE POLICY every_row ON dockswap.${table} USING (true) WITH CHECK (true);`
    ).join("\n"),
  );
  addHistory(db, { app: "web-api", deployments: 2, start: "2026-05-01T00:00:00.000Z" });
  await syncJson(db, url);
  await assertCentralEqualsLocal(pg, database, db);
});
