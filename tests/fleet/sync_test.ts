/**
 * `sync` end to end: real host files (made by the CLI, filled by tests/_history.ts), the real CLI
 * as a subprocess, a real PostgreSQL read back with psql. One server for the file; each step
 * syncs into a database of its own.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
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
import { startPostgres } from "./_postgres.ts";

Deno.test("sync", async (t) => {
  await using pg = await startPostgres();
  await using dir = await tempDir();

  await t.step(
    "three hosts, one shared app name, land side by side; a re-run sends nothing",
    async () => {
      const database = await pg.createDatabase();
      const url = pg.url(database);
      const hosts = [
        { db: `${dir.path}/h1.db`, name: "web-1", apps: ["web-api", "billing"] },
        { db: `${dir.path}/h2.db`, name: "web-2", apps: ["web-api"] },
        { db: `${dir.path}/h3.db`, name: "batch-1", apps: ["worker"] },
      ];
      for (const [i, host] of hosts.entries()) {
        await newHost(host.db);
        for (const app of host.apps) {
          addHistory(host.db, {
            app,
            deployments: 3 + i,
            start: `2026-0${i + 1}-01T00:00:00.000Z`,
          });
        }
        const result = await syncJson(host.db, url, "--host-name", host.name);
        assertEquals(result.host_name, host.name);
        assertEquals(result.first_sync, true);
        assertEquals(
          result.events,
          query<{ n: number }>(host.db, "SELECT count(*) AS n FROM deployment_events")[0].n,
        );
      }
      for (const host of hosts) await assertCentralEqualsLocal(pg, database, host.db);
      // Same local ids on every host, kept apart by host id.
      assertEquals(
        (await pg.rows(
          database,
          "SELECT count(DISTINCT host_id) AS n FROM dockswap.deployments WHERE id = 1",
        ))[0],
        { n: 3 },
      );
      const before = await centralCounts(pg, database);
      for (const host of hosts) {
        const again = await syncJson(host.db, url);
        assertEquals(
          [again.first_sync, again.configs, again.deployments, again.events, again.current_state],
          [false, 0, 0, 0, 0],
        );
        assertEquals(again.host_name, host.name, "the name given once is remembered");
      }
      assertEquals(await centralCounts(pg, database), before);

      // The fleet commands and the views answer across hosts.
      const env = { DOCKSWAP_SYNC_URL: url };
      const status = await cli(["--json", "fleet", "status", "web-api"], { env });
      assertEquals(status.code, 0, status.stderr);
      assertEquals(
        JSON.parse(status.stdout).map((r: { host_name: string }) => r.host_name),
        ["web-1", "web-2"],
      );
      const hostsOut = await cli(["--format", "csv", "fleet", "hosts"], { env });
      assertEquals(hostsOut.stdout.split("\r\n")[0].split(",").slice(0, 2), [
        "host_name",
        "host_id",
      ]);
      assertEquals(hostsOut.stdout.trim().split("\r\n").length, 4);
      const history = await cli(["--json", "fleet", "history", "web-api", "--host", "web-2"], {
        env,
      });
      assertEquals(history.code, 0, history.stderr);
      assertEquals(JSON.parse(history.stdout).length, 4);
      const unknown = await cli(["fleet", "history", "no-such-app"], { env });
      assertEquals(unknown.code, 3, unknown.stderr);
      assertStringIncludes(unknown.stderr, "[not_found]");
      const empty = await cli(["fleet", "hosts"], {
        env: { DOCKSWAP_SYNC_URL: pg.url("postgres") },
      });
      assertEquals(empty.code, 3, empty.stderr);
      assertStringIncludes(empty.stderr, "no host has synced there yet");
      const view = await pg.rows(
        database,
        "SELECT host_name, count(*)::int AS n FROM dockswap.fleet_deployments GROUP BY 1 ORDER BY 1",
      );
      assertEquals(view, [
        { host_name: "batch-1", n: 5 },
        { host_name: "web-1", n: 6 },
        { host_name: "web-2", n: 4 },
      ]);
    },
  );

  await t.step(
    "a schema of the operator's choice; bad names are refused before anything",
    async () => {
      const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/schema.db`, {
        app: "web-api",
        deployments: 1,
      });
      for (const args of [["--schema", "Fleet-B"], ["--schema", "pg_x"], ["--host-name", ""]]) {
        const refused = await sync(db, url, ...args);
        assertEquals(refused.code, 2, refused.stderr);
      }
      assertEquals(query(db, "SELECT * FROM host_identity"), []);
      await syncJson(db, url, "--schema", "fleet_b", "--host-name", "schema-host");
      const hosts = await cli(["--json", "fleet", "hosts", "--schema", "fleet_b"], {
        env: { DOCKSWAP_SYNC_URL: url },
      });
      assertEquals(JSON.parse(hosts.stdout).map((h: { host_name: string }) => h.host_name), [
        "schema-host",
      ]);
      assertEquals(
        await pg.rows(
          database,
          "SELECT nspname FROM pg_namespace WHERE nspname IN ('dockswap', 'fleet_b')",
        ),
        [{ nspname: "fleet_b" }],
      );
    },
  );

  await t.step("a deployment synced in flight is updated once it ends", async () => {
    const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/inflight.db`);
    const ids = addHistory(db, { app: "web-api", deployments: 2, inFlight: true });
    await syncJson(db, url, "--host-name", "inflight");
    const id = ids.deployments.at(-1)!;
    assertEquals(
      await pg.rows(database, `SELECT status FROM dockswap.deployments WHERE id = ${id}`),
      [{ status: "in_progress" }],
    );
    for (
      const event of [
        "container_started",
        "health_check_passed",
        "caddy_updated",
        "drain_complete",
        "container_stopped",
      ]
    ) {
      const step = await cli(["--db", db, "deploy", "event", String(id), event]);
      assertEquals(step.code, 0, step.stderr);
    }
    const result = await syncJson(db, url);
    assertEquals(result.deployments_updated, 1);
    assertEquals(result.events, 5);
    await assertCentralEqualsLocal(pg, database, db);
    assertEquals(
      await pg.rows(
        database,
        "SELECT count(*)::int AS n FROM dockswap.deployments WHERE status = 'in_progress'",
      ),
      [{ n: 0 }],
    );
  });

  await t.step(
    "events' hashes and deployments' chain heads reach the server; events sent without one sync on",
    async () => {
      const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/chain.db`);
      const config = `${FIXTURES}apps/web-api.yaml`;
      await cliJson(db, ["deploy", "start", "web-api", "--image", "web:1", "--config", config]);
      await syncJson(db, url, "--host-name", "chain");
      await assertCentralEqualsLocal(pg, database, db);
      const local = query<{ id: number; hash: string }>(
        db,
        "SELECT id, hash FROM deployment_events ORDER BY id",
      );
      assertEquals(local.length, 1);
      assertEquals(
        await pg.rows(database, "SELECT id, hash FROM dockswap.deployment_events ORDER BY id"),
        local,
      );
      assertEquals(
        await pg.rows(database, "SELECT chain_head FROM dockswap.deployments WHERE id = 1"),
        [{ chain_head: local[0].hash }],
      );
      // Rows a host sent before it had the chain have none centrally: the next sync goes on.
      await pg.psql(database, "UPDATE dockswap.deployment_events SET hash = NULL;");
      const again = await cli(["--db", db, "deploy", "event", "1", "container_failed"]);
      assertEquals(again.code, 0, again.stderr);
      const result = await syncJson(db, url);
      assertEquals(result.events, 1);
      // The deployment, sent in flight, is sent again ended, with its new head.
      const [{ head }] = query<{ head: string }>(
        db,
        "SELECT chain_head AS head FROM deployments WHERE id = 1",
      );
      assertEquals(
        await pg.rows(database, "SELECT chain_head FROM dockswap.deployments WHERE id = 1"),
        [{ chain_head: head }],
      );
    },
  );

  await t.step("rows pruned locally stay centrally unless --prune", async () => {
    const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/pruned.db`, {
      app: "web-api",
      deployments: 6,
    });
    await syncJson(db, url, "--host-name", "pruned");
    const pruned = await cli(["--db", db, "prune", "--keep-last", "2", "--yes"]);
    assertEquals(pruned.code, 0, pruned.stderr);
    addHistory(db, { app: "web-api", deployments: 1, start: "2026-06-01T00:00:00.000Z" });
    const kept = await syncJson(db, url);
    assertEquals(kept.pruned, null);
    const counts = await centralCounts(pg, database);
    assertEquals(counts.deployments, 7, "6 sent, 4 pruned here, 1 new: all 7 kept centrally");
    const cleaned = await syncJson(db, url, "--prune");
    assert((cleaned.pruned as number) > 0);
    await assertCentralEqualsLocal(pg, database, db);
  });

  await t.step(
    "a copied database is refused until its operator says which host it is",
    async () => {
      const { database, url, db: original } = await newCentralAndHost(
        pg,
        `${dir.path}/original.db`,
        { app: "web-api", deployments: 2 },
      );
      await syncJson(original, url, "--host-name", "original");
      const copy = `${dir.path}/copy.db`;
      await Deno.copyFile(original, copy);
      const before = await centralCounts(pg, database);
      const refused = await sync(copy, url);
      assertEquals(refused.code, 6, refused.stderr);
      assertStringIncludes(refused.stderr, "[host_identity_conflict]");
      assertStringIncludes(refused.stderr, "--as-new-host");
      assertStringIncludes(refused.stderr, "--as-same-host");
      assertEquals(await centralCounts(pg, database), before);
      assertEquals(hostIdOf(copy), hostIdOf(original), "the refused copy is left as it was");

      // A new host: a new id, its history sent again under it; the original syncs on.
      addHistory(copy, { app: "web-api", deployments: 1, start: "2026-05-01T00:00:00.000Z" });
      const adopted = await syncJson(copy, url, "--as-new-host", "--host-name", "copy");
      assert(adopted.host_id !== hostIdOf(original));
      assertEquals(adopted.first_sync, true);
      await assertCentralEqualsLocal(pg, database, copy);
      await assertCentralEqualsLocal(pg, database, original);
      assertEquals((await syncJson(original, url)).host_name, "original");
      assertEquals((await syncJson(copy, url)).host_name, "copy");

      // The same host moved: it keeps the id; the file it replaced is refused from then on.
      const moved = `${dir.path}/moved.db`;
      await Deno.copyFile(original, moved);
      const same = await syncJson(moved, url, "--as-same-host");
      assertEquals(same.host_id, hostIdOf(original));
      const stale = await sync(original, url);
      assertEquals(stale.code, 6, stale.stderr);
      assertStringIncludes(stale.stderr, "last synced from another file");
    },
  );

  await t.step(
    "a backup restored in place syncs on; one older than what was sent is refused",
    async () => {
      const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/restored.db`, {
        app: "web-api",
        deployments: 2,
      });
      await syncJson(db, url, "--host-name", "restored");
      const backup = `${dir.path}/restored.backup`;
      assertEquals((await cli(["--db", db, "backup", backup])).code, 0);
      const restore = async () => {
        for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
        await Deno.copyFile(backup, db);
      };
      await restore();
      addHistory(db, { app: "web-api", deployments: 1, start: "2026-03-01T00:00:00.000Z" });
      await syncJson(db, url);
      await assertCentralEqualsLocal(pg, database, db);

      // Restoring the backup again now loses rows the server has: their ids would be reused.
      await restore();
      addHistory(db, { app: "web-api", deployments: 1, start: "2026-04-01T00:00:00.000Z" });
      const refused = await sync(db, url);
      assertEquals(refused.code, 6, refused.stderr);
      assertStringIncludes(refused.stderr, "already sent");
      const fresh = await syncJson(db, url, "--as-new-host");
      assertEquals(fresh.first_sync, true);
      await assertCentralEqualsLocal(pg, database, db);
    },
  );
});
