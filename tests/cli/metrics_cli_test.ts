/** `metrics`: checked by the real promtool and an OpenMetrics parser, on hand-computed values. */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, commandLine, createDatabase, decoded, EXECUTABLE, tempDir } from "../_cli.ts";
import { query, tableCounts } from "../_db.ts";
import { CRAFTED, writeCrafted } from "../_crafted_history.ts";
import { openDatabase } from "../../src/db/open.ts";
import { Database } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { MIGRATIONS } from "../../migrations/mod.ts";
import { METRICS_APPS_SQL, METRICS_TOTALS_SQL } from "../../src/store/metrics.ts";

const REPO = new URL("../..", import.meta.url).pathname;

async function run(command: string, args: string[], stdin?: string) {
  const child = new Deno.Command(command, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  return decoded(await child.output());
}

/** `promtool check metrics` (stdin): the format's own linter, from Prometheus. */
async function promtool(text: string): Promise<void> {
  const result = await run("promtool", ["check", "metrics"], text);
  assertEquals(result.code, 0, `promtool: ${result.stdout}${result.stderr}`);
  assertEquals(result.stdout + result.stderr, "", "promtool found problems");
}

/** Samples of the text by name and labels: `name{a="b"}` -> value. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

async function metricsOf(db: string, ...args: string[]): Promise<string> {
  const result = await cli(["--db", db, "metrics", ...args]);
  assertEquals(result.code, 0, result.stderr);
  return result.stdout;
}

Deno.test("metrics: promtool accepts them, and each value is the one computed by hand", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED);
  const text = await metricsOf(db);
  await promtool(text);
  const s = samples(text);
  const a = 'app="alpha"';
  assertEquals(s.get(`dockswap_app_state{${a},state="health_check"}`), 1);
  assertEquals(s.get(`dockswap_app_state{${a},state="stable"}`), 0);
  assertEquals(s.get('dockswap_app_state{app="beta",state="starting"}'), 1);
  assertEquals(s.get(`dockswap_deployments_total{${a},status="success"}`), 3);
  assertEquals(s.get(`dockswap_deployments_total{${a},status="failed"}`), 1);
  assertEquals(s.get(`dockswap_deployments_total{${a},status="rolled_back"}`), 1);
  assertEquals(s.get('dockswap_deployments_total{app="beta",status="success"}'), 0);
  // alpha's durations: 65, 20, 45, 55, 60 s.
  assertEquals(s.get(`dockswap_deployment_duration_seconds_bucket{${a},le="10"}`), 0);
  assertEquals(s.get(`dockswap_deployment_duration_seconds_bucket{${a},le="30"}`), 1);
  assertEquals(s.get(`dockswap_deployment_duration_seconds_bucket{${a},le="60"}`), 4);
  assertEquals(s.get(`dockswap_deployment_duration_seconds_bucket{${a},le="120"}`), 5);
  assertEquals(s.get(`dockswap_deployment_duration_seconds_bucket{${a},le="+Inf"}`), 5);
  assertEquals(s.get(`dockswap_deployment_duration_seconds_sum{${a}}`), 245);
  assertEquals(s.get(`dockswap_deployment_duration_seconds_count{${a}}`), 5);
  // starting: 10, 20, 5, 10, 10 and 10 s (the one in flight left it after 10 s); failed: 3580 s.
  assertEquals(s.get(`dockswap_time_in_state_seconds_sum{${a},state="starting"}`), 65);
  assertEquals(s.get(`dockswap_time_in_state_seconds_count{${a},state="starting"}`), 6);
  assertEquals(s.get(`dockswap_time_in_state_seconds_sum{${a},state="health_check"}`), 75);
  assertEquals(s.get(`dockswap_time_in_state_seconds_sum{${a},state="failed"}`), 3580);
  assertEquals(
    s.get(`dockswap_last_deployment_timestamp_seconds{${a}}`),
    Date.parse("2026-01-06T00:00:00Z") / 1000,
  );
  assertEquals(
    s.get(`dockswap_last_success_timestamp_seconds{${a}}`),
    Date.parse("2026-01-05T00:01:00Z") / 1000,
  );
  assertEquals(s.has('dockswap_last_success_timestamp_seconds{app="beta"}'), false);
  const inFlight = s.get(`dockswap_in_flight_seconds{${a}}`)!;
  const expected = (Date.now() - Date.parse("2026-01-06T00:00:00Z")) / 1000;
  assert(Math.abs(inFlight - expected) < 120, `in flight ${inFlight}, expected ~${expected}`);
  const pages = query<{ n: number }>(
    db,
    "SELECT page_count * page_size AS n FROM pragma_page_count, pragma_page_size",
  )[0].n;
  assertEquals(s.get("dockswap_database_size_bytes"), pages);
  assertEquals(s.get("dockswap_database_schema_version"), MIGRATIONS.at(-1)!.version);
});

Deno.test("metrics: label values are escaped; an app with no deployment in flight reads 0", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const config = `${dir.path}/web.yaml`;
  await Deno.writeTextFile(
    config,
    "name: web\ndocker: {expose_port: 8080}\nports: {blue: 8081, green: 8082}\n" +
      "health_check: {success_threshold: 1, expected_status: 200}\n",
  );
  const image = 'registry.example/web:"quoted"\\back';
  assertEquals(
    (await cli(["--db", db, "deploy", "start", "web", "--image", image, "--config", config])).code,
    0,
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
    const result = await cli(["--db", db, "deploy", "event", "--app", "web", event]);
    assertEquals(result.code, 0, result.stderr);
  }
  const text = await metricsOf(db);
  await promtool(text);
  assertStringIncludes(
    text,
    'dockswap_app_live_info{app="web",color="blue",image="registry.example/web:\\"quoted\\"\\\\back"} 1\n',
  );
  assertStringIncludes(text, 'dockswap_in_flight_seconds{app="web"} 0\n');
  assertStringIncludes(text, 'dockswap_deployments_total{app="web",status="success"} 1\n');
});

Deno.test("metrics --openmetrics: the OpenMetrics parser of prometheus_client reads every family", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED);
  const text = await metricsOf(db, "--openmetrics");
  assert(text.endsWith("# EOF\n"));
  const parsed = await run("/usr/bin/python3", [
    "-c",
    `import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for f in text_string_to_metric_families(sys.stdin.read()):
    print(f.name, f.type, len(f.samples))`,
  ], text);
  assertEquals(parsed.code, 0, parsed.stderr);
  assertEquals(parsed.stdout.trim().split("\n"), [
    "dockswap_app_state gauge 16",
    "dockswap_app_live info 0",
    "dockswap_deployments counter 6",
    "dockswap_deployment_duration_seconds histogram 26",
    "dockswap_time_in_state_seconds summary 14",
    "dockswap_last_deployment_timestamp_seconds gauge 2",
    "dockswap_last_success_timestamp_seconds gauge 1",
    "dockswap_in_flight_seconds gauge 2",
    "dockswap_database_size_bytes gauge 1",
    "dockswap_database_schema_version gauge 1",
  ]);
});

Deno.test("metrics: counters survive prune; the migration counts the history already there", async () => {
  await using dir = await tempDir();
  // A database of the schema before the totals, with the history written into it, then upgraded.
  const old = `${dir.path}/old.db`;
  const before = new Database(old);
  migrate(before, MIGRATIONS.filter((m) => m.version < 6));
  before.exec("PRAGMA application_id = 1146312516");
  before.close();
  writeCrafted(old, CRAFTED);
  const fresh = `${dir.path}/fresh.db`;
  await createDatabase(fresh);
  writeCrafted(fresh, CRAFTED);
  const upgraded = await metricsOf(old);
  const live = await metricsOf(fresh);
  const stable = (text: string) =>
    [...samples(text)].filter(([k]) => !/in_flight|size_bytes/.test(k));
  assertEquals(stable(upgraded), stable(live));
  const pruned = await cli(["--db", fresh, "prune", "--keep-last", "1", "--yes"]);
  assertEquals(pruned.code, 0, pruned.stderr);
  assert(query(fresh, "SELECT id FROM deployments").length < CRAFTED.length);
  assertEquals(stable(await metricsOf(fresh)), stable(live));
});

Deno.test("metrics --output: written atomically beside, 0600 when new, mode kept when replaced", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED);
  const counts = tableCounts(db);
  const out = `${dir.path}/prom/dockswap.prom`;
  await Deno.mkdir(`${dir.path}/prom`);
  const first = await cli(["--db", db, "metrics", "--output", out]);
  assertEquals([first.code, first.stdout], [0, ""], first.stderr);
  assertEquals((await Deno.stat(out)).mode! & 0o777, 0o600);
  await promtool(await Deno.readTextFile(out));
  await Deno.chmod(out, 0o644);
  assertEquals((await cli(["--db", db, "metrics", "--output", out])).code, 0);
  assertEquals((await Deno.stat(out)).mode! & 0o777, 0o644);
  const names = [];
  for await (const entry of Deno.readDir(`${dir.path}/prom`)) names.push(entry.name);
  assertEquals(names, ["dockswap.prom"]);
  assertEquals(tableCounts(db), counts);
  // Refusals: nothing written anywhere.
  const cases: [string[], number, string][] = [
    [["metrics", "--output", db], 2, "is the database itself"],
    [["metrics", "--output", ""], 2, "must not be empty"],
    [["--json", "metrics"], 2, "--format and --json do not apply"],
    [["metrics", "--output", `${dir.path}/missing/x.prom`], 8, "missing"],
  ];
  for (const [args, code, message] of cases) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assertStringIncludes(result.stderr, message);
  }
  const missingDb = await cli([
    "--db",
    `${dir.path}/none.db`,
    "metrics",
    "--output",
    `${dir.path}/n.prom`,
  ]);
  assertEquals(missingDb.code, 3, missingDb.stderr);
  for (const gone of [`${dir.path}/none.db`, `${dir.path}/n.prom`]) {
    assertEquals(await Deno.stat(gone).catch(() => null), null);
  }
  assertEquals(tableCounts(db), counts);
});

Deno.test("docs/monitoring.md: the metrics cron line, run as cron runs it, writes a file promtool accepts", async () => {
  await using dir = await tempDir();
  const page = await Deno.readTextFile(`${REPO}docs/monitoring.md`);
  const cron = /```cron\n([\s\S]*?)```/.exec(page)![1];
  const job = cron.split("\n").find((l) => /^\S+ \S+ \S+ \S+ \S+ root /.test(l))!;
  const command = job.replace(/^(\S+ ){5}root /, "").replaceAll(
    "/var/lib/",
    `${dir.path}/var/lib/`,
  );
  await Deno.mkdir(`${dir.path}/var/lib/dockswap`, { recursive: true });
  await Deno.mkdir(`${dir.path}/var/lib/node_exporter/textfile_collector`, { recursive: true });
  await createDatabase(`${dir.path}/var/lib/dockswap/dockswap.db`);
  writeCrafted(`${dir.path}/var/lib/dockswap/dockswap.db`, CRAFTED);
  const bin = `${dir.path}/bin`;
  await Deno.mkdir(bin);
  const quote = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;
  await Deno.writeTextFile(
    `${bin}/dockswap-db`,
    `#!/bin/sh\nexec ${[EXECUTABLE, ...commandLine()].map(quote).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  for (let i = 0; i < 2; i++) {
    const result = await new Deno.Command("/bin/sh", {
      args: ["-c", command],
      // Deno's folder too: the bundle under test starts through `#!/usr/bin/env -S deno run`.
      env: { PATH: `${bin}:${Deno.execPath().replace(/\/[^/]*$/, "")}:/usr/bin:/bin` },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(result.code, 0, new TextDecoder().decode(result.stderr));
  }
  await promtool(
    await Deno.readTextFile(`${dir.path}/var/lib/node_exporter/textfile_collector/dockswap.prom`),
  );
});

Deno.test("query plan: metrics read rows per app, never a scan of deployments or events", async () => {
  await using dir = await tempDir();
  const db = openDatabase(`${dir.path}/d.db`);
  try {
    for (const sql of [METRICS_APPS_SQL, ...Object.values(METRICS_TOTALS_SQL)]) {
      const plan = db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).map((r) => r.detail);
      const shown = plan.join(" | ");
      assert(!plan.some((d) => /^SCAN (d|e|deployments|deployment_events)\b/.test(d)), shown);
      assert(!plan.some((d) => /TEMP B-TREE/.test(d)), shown);
      if (sql === METRICS_APPS_SQL) {
        assert(plan.some((d) => d.includes("USING INTEGER PRIMARY KEY")), shown);
        assert(plan.some((d) => d.includes("INDEX deployments_by_app_time")), shown);
      }
    }
  } finally {
    db.close();
  }
});
