/** `stats` and `stats.get` against values computed by hand from a crafted history. */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, createDatabase, tempDir } from "../_cli.ts";
import { tableCounts } from "../_db.ts";
import { request, rpcLines } from "../_rpc.ts";
import { CRAFTED, failedStart, inHealthCheck, writeCrafted } from "../_crafted_history.ts";
import { makeGoDockswapDb } from "../fixtures/make_go_dockswap_db.ts";
import {
  STATS_ALL_DEPLOYMENTS_SQL,
  STATS_ALL_DURATIONS_SQL,
  STATS_ALL_STATE_SPANS_SQL,
  STATS_APP_DEPLOYMENTS_SQL,
  STATS_EVENTS_SQL,
} from "../../src/store/stats.ts";
import { openDatabase } from "../../src/db/open.ts";

type Row = Record<string, unknown> & { median_time_in_state_ms: Record<string, number | null> };
interface Stats {
  since: string | null;
  until: string;
  days: number | null;
  overall: Row;
  apps: Row[];
}

const UNTIL = "2026-01-11T00:00:00Z";
const NO_STATES = {
  starting: null,
  health_check: null,
  switching: null,
  draining: null,
  stopping: null,
  rolling_back: null,
  failed: null,
};

async function crafted(dir: string): Promise<string> {
  const db = `${dir}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED);
  return db;
}

// Computed by hand from CRAFTED (see its comment): alpha's durations 65, 20, 45, 55, 60 s; one
// failure episode from deployment 2's end (Jan 2 00:00:20) to deployment 5's end (Jan 4
// 00:00:55); streak: 5 and 6 succeed in a row.
const ALPHA_ALL: Row = {
  app_name: "alpha",
  deployments: 6,
  in_flight: 1,
  ended: 5,
  successes: 3,
  failures: 1,
  rolled_back: 1,
  rollback_deployments: 1,
  deployments_per_day: 0.6,
  change_failure_rate: 0.4,
  restores: 1,
  unrestored: 0,
  mean_time_to_restore_ms: 2 * 86_400_000 + 35_000,
  median_time_to_restore_ms: 2 * 86_400_000 + 35_000,
  durations_known: 5,
  durations_unknown: 0,
  median_duration_ms: 55_000,
  p95_duration_ms: 65_000,
  longest_success_streak: 2,
  median_time_in_state_ms: {
    starting: 10_000, // 10, 20, 5, 10, 10, 10 s
    health_check: 17_500, // 20, 30, 10, 15 s
    switching: 1_000,
    draining: 30_000,
    stopping: 4_000,
    rolling_back: 10_000,
    failed: 3_580_000, // from the failure at 20 s to the recovery at 3600 s
  },
};

const BETA_ALL: Row = {
  app_name: "beta",
  deployments: 1,
  in_flight: 1,
  ended: 0,
  successes: 0,
  failures: 0,
  rolled_back: 0,
  rollback_deployments: 0,
  deployments_per_day: 0.1,
  change_failure_rate: null,
  restores: 0,
  unrestored: 0,
  mean_time_to_restore_ms: null,
  median_time_to_restore_ms: null,
  durations_known: 0,
  durations_unknown: 0,
  median_duration_ms: null,
  p95_duration_ms: null,
  longest_success_streak: 0,
  median_time_in_state_ms: NO_STATES,
};

Deno.test("stats: every measure of a crafted history, per app and overall", async () => {
  await using dir = await tempDir();
  const db = await crafted(dir.path);
  const stats = await cliJson<Stats>(db, ["stats", "--until", UNTIL]);
  assertEquals(stats.since, null);
  assertEquals(stats.until, "2026-01-11T00:00:00.000Z");
  assertEquals(stats.days, 10); // from the first deployment, Jan 1
  assertEquals(stats.apps, [ALPHA_ALL, BETA_ALL]);
  assertEquals(stats.overall, {
    ...ALPHA_ALL,
    app_name: null,
    deployments: 7,
    in_flight: 2,
    deployments_per_day: 0.7,
  });
});

Deno.test("stats: a window counts the deployments started in it", async () => {
  await using dir = await tempDir();
  const db = await crafted(dir.path);
  const stats = await cliJson<Stats>(db, [
    "stats",
    "--since",
    "2026-01-03",
    "--until",
    "2026-01-05T00:00:00Z",
  ]);
  assertEquals(stats.days, 2);
  const alpha = stats.apps[0];
  assertEquals(
    [alpha.deployments, alpha.ended, alpha.successes, alpha.rolled_back, alpha.failures],
    [2, 2, 1, 1, 0],
  );
  assertEquals(alpha.change_failure_rate, 0.5);
  // Deployment 3 ended Jan 3 00:00:45, the rollback (deployment 5) Jan 4 00:00:55.
  assertEquals(alpha.median_time_to_restore_ms, 86_400_000 + 10_000);
  assertEquals([alpha.median_duration_ms, alpha.p95_duration_ms], [50_000, 55_000]);
  assertEquals(alpha.longest_success_streak, 1);
  assertEquals(alpha.deployments_per_day, 1);
  assertEquals(stats.overall.deployments_per_day, 1.5);
  // One app: the same row twice, and over RPC the same result.
  const one = await cliJson<Stats>(db, [
    "stats",
    "alpha",
    "--since",
    "2026-01-03",
    "--until",
    "2026-01-05T00:00:00Z",
  ]);
  assertEquals(one.apps, [alpha]);
  assertEquals(one.overall, { ...alpha, app_name: null });
  const [response] = await rpcLines(db, [
    request(1, "stats.get", {
      app_name: "alpha",
      since_ms: Date.parse("2026-01-03T00:00:00Z"),
      until_ms: Date.parse("2026-01-05T00:00:00Z"),
    }),
  ]) as { result: Stats }[];
  assertEquals(response.result, one);
});

Deno.test("stats: no deployments, only in flight, an empty database", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  const empty = await cliJson<Stats>(db, ["stats"]);
  assertEquals([empty.apps, empty.days, empty.overall.deployments], [[], null, 0]);
  assertEquals(empty.overall.change_failure_rate, null);
  // An app with a config but no deployment: known, and all zero.
  const config = `${dir.path}/gamma.yaml`;
  await Deno.writeTextFile(
    config,
    "name: gamma\ndocker: {expose_port: 8080}\nports: {blue: 8081, green: 8082}\n" +
      "health_check: {success_threshold: 1, expected_status: 200}\n",
  );
  const added = await cli(["--db", db, "config", "add", config]);
  assertEquals(added.code, 0, added.stderr);
  const gamma = await cliJson<Stats>(db, ["stats", "gamma", "--since", "7d"]);
  assertEquals(gamma.apps[0].deployments, 0);
  assertEquals(gamma.apps[0].deployments_per_day, 0);
  assertEquals(gamma.apps[0].median_time_in_state_ms, NO_STATES);
  writeCrafted(db, CRAFTED.filter((d) => d.app === "beta"));
  const beta = await cliJson<Stats>(db, ["stats", "beta", "--until", UNTIL]);
  assertEquals(beta.apps[0], { ...BETA_ALL, deployments_per_day: 1 / 7.5 });
});

Deno.test("stats: adopted Go history counts, but reconstructed end times are not durations", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/go.db`;
  makeGoDockswapDb(db);
  await Deno.chmod(db, 0o600);
  const stats = await cliJson<Stats>(db, ["stats"]);
  const byApp = Object.fromEntries(stats.apps.map((row) => [row.app_name, row]));
  // worker: 1 ended by container_stopped (49.8 s), 2 by rollback_complete (30.7 s), 3 in flight.
  assertEquals(byApp.worker.durations_known, 2);
  assertEquals(byApp.worker.median_duration_ms, (49_800 + 30_700) / 2);
  assertEquals(byApp.worker.unrestored, 1);
  // web-api and cron: the Go CLI's rows have no events; their end is the adopter's guess.
  assertEquals([byApp["web-api"].ended, byApp["web-api"].durations_unknown], [2, 2]);
  assertEquals(byApp["web-api"].median_duration_ms, null);
  assertEquals(byApp.cron.durations_unknown, 1);
  // billing: 6 measured (43.4 s), 7 superseded (end reconstructed), 9 failed at its event (29.9 s).
  assertEquals([byApp.billing.durations_known, byApp.billing.durations_unknown], [2, 1]);
  assertEquals(byApp.billing.p95_duration_ms, 43_400);
  // worker's health_check: 10.5 s, then 26 s (the refused drain_complete did not end it).
  assertEquals(byApp.worker.median_time_in_state_ms.health_check, 18_250);
});

Deno.test("stats: the row of all apps, whose medians SQLite sorts, agrees with an app's own", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  // A refused event that leaves health_check as it was, two events at one instant, a failure
  // recovered later, and one in flight.
  writeCrafted(db, [
    {
      app: "delta",
      start: "2026-02-01T00:00:00.000Z",
      status: "success",
      end: 50,
      events: [
        ["deploy", "stable", "starting", 0],
        ["container_started", "starting", "health_check", 10],
        ["drain_complete", "health_check", "health_check", 15],
        ["health_check_passed", "health_check", "switching", 30],
        ["caddy_updated", "switching", "draining", 30],
        ["drain_complete", "draining", "stopping", 45],
        ["container_stopped", "stopping", "stable", 50],
      ],
    },
    failedStart("delta", "2026-02-02T00:00:00.000Z", 12, 100),
    inHealthCheck("delta", "2026-02-03T00:00:00.000Z", 7),
  ]);
  const all = await cliJson<Stats>(db, ["stats", "--until", "2026-02-04T00:00:00Z"]);
  const one = await cliJson<Stats>(db, ["stats", "delta", "--until", "2026-02-04T00:00:00Z"]);
  assertEquals(all.apps, one.apps);
  assertEquals(all.overall, { ...one.apps[0], app_name: null });
  assertEquals(all.overall.median_time_in_state_ms, {
    ...NO_STATES,
    starting: 10_000, // 10, 12, 7 s
    health_check: 20_000, // from 10 s to 30 s: the refused event at 15 s does not end it
    switching: 0,
    draining: 15_000,
    stopping: 5_000,
    failed: 88_000,
  });
  assertEquals([all.overall.median_duration_ms, all.overall.p95_duration_ms], [31_000, 50_000]);
});

Deno.test("stats: bad flags are refused clearly and nothing is written", async () => {
  await using dir = await tempDir();
  const db = await crafted(dir.path);
  const before = tableCounts(db);
  const cases: [string[], number, string][] = [
    [["stats", "--since", "-5m"], 2, "negative duration"],
    [["stats", "--since", "yesterday"], 2, '--since: "yesterday" is not'],
    [["stats", "--since", "2026-01-05", "--until", "2026-01-03"], 2, "--since (2026-01-05"],
    [["stats", "--since", "2h", "--until", "3h"], 2, "is after --until"],
    [["stats", "nope"], 3, "Nothing is recorded for app nope"],
    [["stats", "bad name!"], 2, "app name"],
  ];
  for (const [args, code, message] of cases) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assertStringIncludes(result.stderr, message);
    assertEquals(result.stdout, "");
  }
  const [rpc] = await rpcLines(db, [
    request(1, "stats.get", { since_ms: 10, until_ms: 5 }),
  ]) as { error: { code: number; message: string } }[];
  assertEquals(rpc.error.code, -32602);
  assertStringIncludes(rpc.error.message, "since_ms");
  assertEquals(tableCounts(db), before);
  // A missing database is not created by a read.
  const missing = await cli(["--db", `${dir.path}/none.db`, "stats"]);
  assertEquals(missing.code, 3);
  assert(!(await Deno.stat(`${dir.path}/none.db`).catch(() => null)));
});

Deno.test("stats: table, csv and ndjson carry one row per app and one for all", async () => {
  await using dir = await tempDir();
  const db = await crafted(dir.path);
  const table = await cli(["--db", db, "stats", "--until", UNTIL]);
  assertEquals(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split("\n");
  assertEquals(lines.map((l) => l.split(" ")[0]).filter((w) => !w.startsWith("-")), [
    "app",
    "alpha",
    "beta",
    "(all)",
  ]);
  assertStringIncludes(lines[2], "40.0%");
  const csv = await cli(["--db", db, "--format", "csv", "stats", "--until", UNTIL]);
  const header = csv.stdout.split("\r\n")[0].split(",");
  assert(header.includes("median_time_in_state_ms.failed"), header.join(","));
  assertEquals(csv.stdout.trimEnd().split("\r\n").length, 4);
  const ndjson = await cli(["--db", db, "--format", "ndjson", "stats", "--until", UNTIL]);
  const rows = ndjson.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assertEquals(rows.map((r) => r.app_name), ["alpha", "beta", null]);
  assertEquals(rows[0]["median_time_in_state_ms.failed"], 3_580_000);
});

Deno.test("query plan: stats read each app's window through indexes; SQLite sorts only what no index orders", async () => {
  await using dir = await tempDir();
  const db = openDatabase(`${dir.path}/d.db`);
  const window = ["2026-01-01", "2026-02-01"];
  try {
    // The deployments by end and the numbers of all apps come in an order no index holds: SQLite
    // sorts them (spilling to a temporary file when large) rather than the program holding them.
    for (
      const [sql, params, sorts] of [
        [STATS_APP_DEPLOYMENTS_SQL, ["web-api", ...window], 1],
        [STATS_ALL_DEPLOYMENTS_SQL, window, 1],
        [STATS_EVENTS_SQL, ["web-api", ...window], 0],
        [STATS_ALL_DURATIONS_SQL, window, 1],
        // Each deployment's events by time for LAG, then for LEAD, then the spans by value.
        [STATS_ALL_STATE_SPANS_SQL, window, 3],
      ] as const
    ) {
      const plan = db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params)
        .map((row) => row.detail);
      const shown = plan.join(" | ");
      assert(plan.some((d) => d.includes("INDEX deployments_by_app_time")), shown);
      assert(plan.some((d) => d.includes("INDEX deployment_events_by_deployment_time")), shown);
      // Scans only of the query's own intermediate results, never of a table.
      assert(!plan.some((d) => /^SCAN (?!entered$|changes$|\(subquery-\d+\)$)/.test(d)), shown);
      assertEquals(plan.filter((d) => /TEMP B-TREE/.test(d)).length, sorts, shown);
    }
  } finally {
    db.close();
  }
});
