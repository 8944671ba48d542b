import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { query, tableCounts } from "../_db.ts";
import { GO_REFUSED, INVALID } from "../data/invalid_configs.ts";

const WEB_API = `${FIXTURES}apps/web-api.yaml`;
const WEB_API_V2 = `${FIXTURES}apps/web-api-v2.yaml`;

async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

interface AddResult {
  created: boolean;
  config: { id: number; app_name: string; config_sha: string; created_at: string };
}

Deno.test("config add stores raw bytes and their SHA-256, and skips an unchanged version", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const first = await cliJson<AddResult>(db, ["config", "add", WEB_API]);
  assertEquals(first.created, true);
  assertEquals(first.config.app_name, "web-api");
  assertEquals(first.config.config_sha, await sha256File(WEB_API));
  assertMatch(first.config.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const again = await cli(["--db", db, "--json", "config", "add", WEB_API]);
  assertEquals(again.code, 0);
  const repeated = JSON.parse(again.stdout) as AddResult;
  assertEquals(repeated.created, false);
  assertEquals(repeated.config.id, first.config.id);
  assertStringIncludes(again.stderr, "Unchanged");
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs"), [{ n: 1 }]);

  const second = await cliJson<AddResult>(db, ["config", "add", WEB_API_V2]);
  assertEquals(second.created, true);
  // Going back to the first text is a new version: only the latest is compared.
  const third = await cliJson<AddResult>(db, ["config", "add", WEB_API]);
  assertEquals(third.created, true);
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs"), [{ n: 3 }]);
});

Deno.test("config add keeps CRLF and non-ASCII text byte for byte", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  for (const name of ["billing-crlf.yaml", "worker.yaml"]) {
    const file = `${FIXTURES}apps/${name}`;
    const added = await cliJson<AddResult>(db, ["config", "add", file]);
    assertEquals(added.config.config_sha, await sha256File(file));
    const [row] = query<{ config_yaml: string }>(
      db,
      "SELECT config_yaml FROM app_configs WHERE id = ?",
      added.config.id,
    );
    assertEquals(new TextEncoder().encode(row.config_yaml), await Deno.readFile(file));
  }
  const [crlf] = query<{ config_yaml: string }>(
    db,
    "SELECT config_yaml FROM app_configs WHERE app_name = 'billing'",
  );
  assertStringIncludes(crlf.config_yaml, "name: billing\r\n");
});

Deno.test("config add reads stdin with '-' and checks --app", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const text = await Deno.readTextFile(WEB_API);
  const added = await cliJson<AddResult>(db, ["config", "add", "-", "--app", "web-api"], {
    stdin: text,
  });
  assertEquals(added.config.config_sha, await sha256File(WEB_API));
  const mismatch = await cli(["--db", db, "config", "add", WEB_API_V2, "--app", "worker"]);
  assertEquals(mismatch.code, 4);
  assertStringIncludes(mismatch.stderr, '"worker"');
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs"), [{ n: 1 }]);
});

Deno.test("every invalid fixture is refused with its problem named and nothing written", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const before = tableCounts(db);
  const names = [...Deno.readDirSync(`${FIXTURES}invalid`)].map((e) => e.name)
    .filter((n) => n.endsWith(".yaml"));
  assertEquals(names.sort(), [...Object.keys(INVALID), ...Object.keys(GO_REFUSED)].sort());
  // Each Go-type refusal is checked word for word in config_go_types_test.ts.
  for (const name of names) {
    const file = `${FIXTURES}invalid/${name}`;
    for (const command of ["add", "check"]) {
      const result = await cli(["--db", db, "config", command, file]);
      assertEquals(result.code, 4, `${command} ${name}: ${result.stderr}`);
      const reason = INVALID[name] ?? GO_REFUSED[name];
      if (typeof reason === "string") assertStringIncludes(result.stderr, reason, name);
      else assertMatch(result.stderr, reason, name);
      assertStringIncludes(result.stderr, name);
      assert(!/\bat .*\.ts:\d+/.test(result.stderr), `stack trace for ${name}`);
      assertEquals(result.stdout, "");
    }
  }
  assertEquals(tableCounts(db), before);

  // Made-up edge cases: a missing number is named as missing; several documents are refused.
  const cases: [string, string][] = [
    ["name: a\nports:\n  blue: 80\n", "`ports.green` is missing (it must be a port number"],
    ["name: a\n---\nname: b\n", "several YAML documents"],
  ];
  for (const [yaml, message] of cases) {
    const result = await cli(["--db", db, "config", "add", "-"], { stdin: yaml });
    assertEquals(result.code, 4, result.stderr);
    assertStringIncludes(result.stderr, message);
    assert(!result.stderr.includes("found null"), result.stderr);
  }
  assertEquals(tableCounts(db), before);
});

Deno.test("config show, history, check and diff", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const v1 = await cliJson<AddResult>(db, ["config", "add", WEB_API]);
  const v2 = await cliJson<AddResult>(db, ["config", "add", WEB_API_V2]);

  const latest = await cliJson<{ id: number; config_yaml: string }>(db, [
    "config",
    "show",
    "web-api",
  ]);
  assertEquals(latest.id, v2.config.id);
  assertEquals(latest.config_yaml, await Deno.readTextFile(WEB_API_V2));
  const older = await cliJson<{ id: number }>(db, [
    "config",
    "show",
    "web-api",
    "--id",
    String(v1.config.id),
  ]);
  assertEquals(older.id, v1.config.id);
  const wrongApp = await cli(["--db", db, "config", "show", "worker", "--id", "1"]);
  assertEquals(wrongApp.code, 3);

  const history = await cliJson<{ id: number }[]>(db, ["config", "history", "web-api"]);
  assertEquals(history.map((h) => h.id), [v2.config.id, v1.config.id]);
  const limited = await cliJson<{ id: number }[]>(db, [
    "config",
    "history",
    "web-api",
    "--limit",
    "1",
  ]);
  assertEquals(limited.map((h) => h.id), [v2.config.id]);

  const unchanged = await cli(["--db", db, "--json", "config", "check", WEB_API_V2]);
  assertEquals(unchanged.code, 0);
  assertEquals(JSON.parse(unchanged.stdout), {
    app_name: "web-api",
    changed: false,
    sha: v2.config.config_sha,
    latest_sha: v2.config.config_sha,
    latest_id: v2.config.id,
  });
  const changed = await cli(["--db", db, "--json", "config", "check", WEB_API]);
  assertEquals(changed.code, 1);
  assertEquals(JSON.parse(changed.stdout).changed, true);
  const neverStored = await cli([
    "--db",
    db,
    "--json",
    "config",
    "check",
    `${FIXTURES}apps/worker.yaml`,
  ]);
  assertEquals(neverStored.code, 1);
  assertEquals(JSON.parse(neverStored.stdout).latest_id, null);

  const diff = await cli(["--db", db, "config", "diff", "web-api"]);
  assertEquals(diff.code, 0);
  assertStringIncludes(diff.stdout, "-  memory_limit: 512m\n+  memory_limit: 1g\n");
  assertStringIncludes(diff.stdout, "-      LOG_LEVEL: info\n+      LOG_LEVEL: warn\n");
  const reversed = await cliJson<{ from_id: number; to_id: number; diff: string }>(db, [
    "config",
    "diff",
    "web-api",
    String(v2.config.id),
    String(v1.config.id),
  ]);
  assertEquals([reversed.from_id, reversed.to_id], [v2.config.id, v1.config.id]);
  assertStringIncludes(reversed.diff, "+  memory_limit: 512m");
  const single = await cli(["--db", db, "config", "diff", "worker"]);
  assertEquals(single.code, 3);
});

Deno.test("output formats: table, json, ndjson and csv carry the same rows", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  await cliJson(db, ["config", "add", WEB_API_V2]);
  const json = await cliJson<Record<string, unknown>[]>(db, ["config", "history", "web-api"]);
  const ndjson = await cli(["--db", db, "--format", "ndjson", "config", "history", "web-api"]);
  assertEquals(ndjson.stdout.trimEnd().split("\n").map((l) => JSON.parse(l)), json);
  const csv = await cli(["--db", db, "--format", "csv", "config", "history", "web-api"]);
  const lines = csv.stdout.split("\r\n");
  assertEquals(lines[0], "id,app_name,config_sha,created_at");
  assertEquals(lines[1], Object.values(json[0]).join(","));
  const table = await cli(["--db", db, "config", "history", "web-api"]);
  assertMatch(table.stdout, /^id\s+created\s+config_sha\n/);
  assertEquals(table.stderr, "");
  // An empty list still has its CSV header: web-api has configs but has never deployed.
  const empty = await cli(["--db", db, "--format", "csv", "history", "web-api"]);
  assertEquals(
    empty.stdout,
    "id,app_name,config_id,image,started_at,ended_at,status,active_color,rollback_of\r\n",
  );
  const bad = await cli(["--db", db, "--format", "xml", "config", "history", "web-api"]);
  assertEquals(bad.code, 2);
});

Deno.test("errors are one line on stderr, JSON with --json, with stable codes", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const missing = await cli(["--db", db, "--json", "config", "show", "nope"]);
  assertEquals(missing.code, 3);
  assertEquals(missing.stdout, "");
  assertEquals(JSON.parse(missing.stderr).error.code, "not_found");
  const injection = await cli(["--db", db, "config", "show", "x'; DROP TABLE app_configs; --"]);
  assertEquals(injection.code, 2);
  assertStringIncludes(injection.stderr, "invalid_argument");
  const noFile = await cli(["--db", db, "config", "add", `${dir.path}/absent.yaml`]);
  assertEquals(noFile.code, 8);
  assertStringIncludes(noFile.stderr, "no such file");
  const badId = await cli(["--db", db, "config", "show", "web-api", "--id", "abc"]);
  assertEquals(badId.code, 2);
  assertStringIncludes(badId.stderr, "positive integer");

  // Usage errors, caught by the parser before any option is read, follow --json too.
  for (const args of [["--json", "nope"], ["deploy", "start", "web-api", "--format=ndjson"]]) {
    const usage = await cli(["--db", db, ...args]);
    assertEquals(usage.code, 2);
    assertEquals(usage.stdout, "");
    const { error } = JSON.parse(usage.stderr);
    assertEquals(error.code, "invalid_argument");
    assert(/unknown command 'nope'|required option '--image/.test(error.message), error.message);
  }
  const plain = await cli(["--db", db, "nope"]);
  assertEquals(plain.stderr, "error: unknown command 'nope'\n(run with --help for usage)\n");
});

Deno.test("--version names the tool, schema and SQLite versions; --help teaches", async () => {
  const version = await cli(["--version"]);
  assertEquals(version.code, 0);
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assertMatch(
    version.stdout,
    new RegExp(`^dockswap-db ${config.version} \\(schema \\d+, SQLite 3\\.\\d+\\.\\d+\\)\\n$`),
  );
  const help = await cli(["config", "add", "--help"]);
  assertEquals(help.code, 0);
  assertStringIncludes(help.stdout, "sha256sum");
  const usage = await cli(["config", "show"]);
  assertEquals(usage.code, 2);
  assertStringIncludes(usage.stderr, "missing required argument");
});
