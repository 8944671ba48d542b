/**
 * `verify` through the real CLI on real files: a history recorded by the program, then tampered
 * with the `sqlite3` shell the way another tool would (a column edited, an event deleted from
 * the middle or the end, two events swapped, a config's YAML edited). Each tampering is named at
 * its first broken link, by `verify` and by tests/verify_chain.py (an independent checker, in
 * Python, of the export), and a clean, a freshly migrated schema-6 and an adopted Go file pass.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../_assert.ts";
import { cli, FIXTURES, tempDir } from "../_cli.ts";
import { query, sqlite3 } from "../_db.ts";
import { databaseAtSchema } from "../_older_files.ts";
import { MIGRATIONS } from "../../migrations/mod.ts";
import { request, rpcLines } from "../_rpc.ts";
import { makeGoDockswapDb } from "../fixtures/make_go_dockswap_db.ts";

const CHECKER = new URL("../verify_chain.py", import.meta.url).pathname;
const MONITORING = new URL("../../docs/monitoring.md", import.meta.url).pathname;

interface BrokenLink {
  problem: string;
  app_name: string;
  deployment_id: number | null;
  event_id: number | null;
  config_id: number | null;
  expected: string | null;
  found: string | null;
}
interface VerifyResult {
  ok: boolean;
  deployments_checked: number;
  events_checked: number;
  configs_checked: number;
  broken: BrokenLink[];
}

/**
 * Rows inserted by another program on this project's SQLite: the system's `sqlite3` (3.40) lacks
 * the `subsec` modifier migration 0006's triggers use on every event inserted.
 */
function insertAsAnotherProgram(path: string, sql: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

async function verify(db: string): Promise<{ code: number; result: VerifyResult }> {
  const run = await cli(["--db", db, "--json", "verify"]);
  assert(run.code === 0 || run.code === 1, run.stderr);
  return { code: run.code, result: JSON.parse(run.stdout) };
}

/** tests/verify_chain.py over the file's export: its exit status and what it printed. */
async function checkExport(db: string, dir: string): Promise<{ code: number; stdout: string }> {
  const file = `${dir}/export-${crypto.randomUUID()}.ndjson`;
  const exported = await cli(["--db", db, "export", "--format", "ndjson", "--output", file]);
  assertEquals(exported.code, 0, exported.stderr);
  const run = await new Deno.Command("python3", { args: [CHECKER, file] }).output();
  return { code: run.code, stdout: new TextDecoder().decode(run.stdout) };
}

/**
 * Two apps recorded through the program (its JSON-RPC mode, one process): web-api's deployment 1
 * (events 1-4 and 8-9, ended) and billing's deployment 2 (events 5-7, in flight). A payload holds
 * numbers JSON libraries spell differently (0.00001, 1.25e-7) and escaped characters.
 */
async function recordHistory(db: string): Promise<void> {
  const webApi = await Deno.readTextFile(`${FIXTURES}apps/web-api-v2.yaml`);
  const billing = await Deno.readTextFile(`${FIXTURES}apps/billing-crlf.yaml`);
  const event = (id: number, deployment: number, type: string, payload?: unknown) =>
    request(id, "deploy.event", {
      deployment_id: deployment,
      event_type: type,
      ...(payload === undefined ? {} : { payload }),
    });
  // Two processes, so that events 8 and 9 are recorded later than 1-7 (times differ).
  const responses = [
    ...await rpcLines(db, [
      request(1, "deploy.start", { app_name: "web-api", image: "web:1", config_yaml: webApi }),
      event(2, 1, "container_started", { note: 'é\t"q"', ratio: 0.00001, tiny: 1.25e-7 }),
      event(3, 1, "health_check_passed"),
      event(4, 1, "caddy_updated"),
      request(5, "deploy.start", { app_name: "billing", image: "billing:7", config_yaml: billing }),
      event(6, 2, "container_started", { exit: 0 }),
      event(7, 2, "health_check_passed"),
    ]),
    ...await rpcLines(db, [event(8, 1, "drain_complete"), event(9, 1, "container_stopped")]),
  ];
  for (const response of responses) {
    assert(!("error" in (response as object)), JSON.stringify(response));
  }
}

Deno.test("verify: a history recorded by the program holds, by verify and by an independent checker of its export", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await recordHistory(db);
  const { code, result } = await verify(db);
  assertEquals(code, 0);
  assertEquals(result.ok, true);
  assertEquals(result.deployments_checked, 2);
  assertEquals(result.events_checked, 9);
  assertEquals(result.configs_checked, 2);
  assertEquals(result.broken, []);
  const text = await cli(["--db", db, "verify"]);
  assertEquals(text.code, 0);
  assert(
    text.stdout.startsWith("ok: every link holds: 9 event(s) in 2 deployment(s)"),
    text.stdout,
  );
  // Every event has a hash; each deployment's head is its last event's.
  assertEquals(query(db, "SELECT count(*) AS n FROM deployment_events WHERE hash IS NULL"), [
    { n: 0 },
  ]);
  assertEquals(
    query(
      db,
      `SELECT d.id FROM deployments d WHERE chain_head IS NOT
         (SELECT hash FROM deployment_events WHERE deployment_id = d.id ORDER BY id DESC LIMIT 1)`,
    ),
    [],
  );
  const checked = await checkExport(db, dir.path);
  assertEquals(checked.code, 0, checked.stdout);
  assert(checked.stdout.includes("ok: 2 deployment chain(s)"), checked.stdout);
});

/** Each tampering, the first broken link verify must name (one deployment: web-api's, 1). */
const TAMPERINGS: {
  name: string;
  sql: string;
  /** Inserts go through node:sqlite (see insertAsAnotherProgram); the rest through sqlite3. */
  inserts?: boolean;
  broken: Partial<BrokenLink>;
}[] = [
  {
    name: "an event's column edited",
    sql: "UPDATE deployment_events SET error = 'nothing happened' WHERE id = 3",
    broken: { problem: "event_hash", deployment_id: 1, event_id: 3 },
  },
  {
    name: "an event's payload edited",
    sql: `UPDATE deployment_events SET payload = '{"note":"x"}' WHERE id = 2`,
    broken: { problem: "event_hash", deployment_id: 1, event_id: 2 },
  },
  {
    name: "a middle event deleted",
    sql: "DELETE FROM deployment_events WHERE id = 3",
    broken: { problem: "event_hash", deployment_id: 1, event_id: 4 },
  },
  {
    name: "the last event deleted",
    sql: "DELETE FROM deployment_events WHERE id = 9",
    broken: { problem: "chain_head", deployment_id: 1, event_id: 8 },
  },
  {
    name: "two events' ids swapped",
    sql: `UPDATE deployment_events SET id = -3 WHERE id = 3;
          UPDATE deployment_events SET id = 3 WHERE id = 4;
          UPDATE deployment_events SET id = 4 WHERE id = -3;`,
    broken: { problem: "event_hash", deployment_id: 1, event_id: 3 },
  },
  {
    name: "two events' times swapped",
    sql: `UPDATE deployment_events SET created_at = CASE id
            WHEN 4 THEN (SELECT created_at FROM deployment_events WHERE id = 8)
            ELSE (SELECT created_at FROM deployment_events WHERE id = 4) END
          WHERE id IN (4, 8)`,
    broken: { problem: "event_hash", deployment_id: 1, event_id: 4 },
  },
  {
    name: "an event inserted by another program",
    sql: "INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, " +
      "to_state, payload, error, created_at) VALUES (1, 'web-api', 'drain_complete', " +
      "'draining', 'stopping', NULL, NULL, '2030-01-01T00:00:00.000Z')",
    inserts: true,
    broken: { problem: "missing_hash", deployment_id: 1, event_id: 10 },
  },
];

for (const tampering of TAMPERINGS) {
  Deno.test(`verify: ${tampering.name} is named at its first broken link, with expected and found`, async () => {
    await using dir = await tempDir();
    const db = `${dir.path}/d.db`;
    await recordHistory(db);
    const before = await verify(db);
    assertEquals(before.code, 0);
    if (tampering.inserts) insertAsAnotherProgram(db, tampering.sql);
    else await sqlite3(db, tampering.sql);
    const { code, result } = await verify(db);
    assertEquals(code, 1, JSON.stringify(result));
    assertEquals(result.ok, false);
    assertEquals(result.broken.length, 1, JSON.stringify(result.broken));
    const [link] = result.broken;
    assertEquals(
      { problem: link.problem, deployment_id: link.deployment_id, event_id: link.event_id },
      tampering.broken,
    );
    assertEquals(link.app_name, "web-api");
    assert(link.expected !== link.found, JSON.stringify(link));
    // The independent checker finds the same deployment broken at the same place.
    const checked = await checkExport(db, dir.path);
    assertEquals(checked.code, 1, checked.stdout);
    const where = link.problem === "chain_head" ? "chain head" : `event ${link.event_id}`;
    assert(checked.stdout.startsWith(`deployment 1: ${where}`), checked.stdout);
    // doctor reports it too, naming the deployment and what broke.
    const doctor = await cli(["--db", db, "--json", "doctor"]);
    assertEquals(doctor.code, 1, doctor.stdout);
    const check = JSON.parse(doctor.stdout).checks.find((c: { check: string }) =>
      c.check === "event_chain"
    );
    assertEquals(check.status, "fail");
    assert(check.detail.includes(`web-api deployment 1`), check.detail);
    assert(check.detail.includes(link.problem), check.detail);
  });
}

Deno.test("verify: a config whose YAML was edited is named, with the hash of its text and the one stored", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await recordHistory(db);
  await sqlite3(db, "UPDATE app_configs SET config_yaml = config_yaml || '# edited' WHERE id = 2");
  const { code, result } = await verify(db);
  assertEquals(code, 1);
  assertEquals(result.broken.map((l) => [l.problem, l.app_name, l.config_id]), [
    ["config_sha", "billing", 2],
  ]);
  const [{ yaml, sha }] = query<{ yaml: string; sha: string }>(
    db,
    "SELECT config_yaml AS yaml, config_sha AS sha FROM app_configs WHERE id = 2",
  );
  assertEquals(result.broken[0].found, sha);
  // sha256sum, not this program, says what the text's hash is.
  const sum = await new Deno.Command("sha256sum", { stdin: "piped", stdout: "piped" }).spawn();
  const writer = sum.stdin.getWriter();
  await writer.write(new TextEncoder().encode(yaml));
  await writer.close();
  const out = new TextDecoder().decode((await sum.output()).stdout);
  assertEquals(result.broken[0].expected, out.split(" ")[0]);
  const checked = await checkExport(db, dir.path);
  assertEquals(checked.code, 1);
  assert(checked.stdout.includes(`config 2: expected ${out.split(" ")[0]}`), checked.stdout);
});

Deno.test("verify: the table names each broken link with both hashes whole, and exit 1; db.verify returns it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await recordHistory(db);
  await sqlite3(db, "DELETE FROM deployment_events WHERE deployment_id = 2");
  const run = await cli(["--db", db, "verify"]);
  assertEquals(run.code, 1);
  const [{ head }] = query<{ head: string }>(
    db,
    "SELECT chain_head AS head FROM deployments WHERE id = 2",
  );
  assert(run.stdout.startsWith("broken: 1 link(s)"), run.stdout);
  assert(run.stdout.includes("billing deployment 2: chain_head"), run.stdout);
  assert(run.stdout.includes(`expected ${head}`), run.stdout);
  assert(run.stdout.includes("found    (none)"), run.stdout);
  // Over JSON-RPC a broken link is a result, not an error.
  const [response] = await rpcLines(db, [request(1, "db.verify", {})]) as {
    result: VerifyResult;
  }[];
  assertEquals(response.result.ok, false);
  assertEquals(response.result.broken.map((l) => [l.problem, l.deployment_id, l.expected]), [
    ["chain_head", 2, head],
  ]);
});

Deno.test("verify: a schema-6 file's history is chained by migration 0007, which then detects edits", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  databaseAtSchema(db, 6);
  // History written before the chain existed, by another program.
  insertAsAnotherProgram(
    db,
    `INSERT INTO deployments (id, app_name, config_id, image, started_at, ended_at, status,
       active_color) VALUES
       (1, 'web', NULL, 'web:1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', 'failed', 'blue'),
       (2, 'web', NULL, 'web:2', '2026-01-02T00:00:00.000Z', NULL, 'in_progress', 'green');
     INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
       payload, error, created_at) VALUES
       (1, 'web', 'deploy', 'stable', 'starting', '{ "image" : "web:1" }', NULL, '2026-01-01T00:00:00.000Z'),
       (1, 'web', 'container_failed', 'starting', 'failed', NULL, 'oom', '2026-01-01T00:01:00.000Z'),
       (2, 'web', 'deploy', 'stable', 'starting', '{"image":"web:2"}', NULL, '2026-01-02T00:00:00.000Z');
     INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
       VALUES ('web', 2, NULL, NULL, 'starting', '2026-01-02T00:00:00.000Z');`,
  );
  assertEquals(query(db, "SELECT max(version) AS v FROM schema_migrations"), [{ v: 6 }]);
  const { code, result } = await verify(db);
  assertEquals(code, 0, JSON.stringify(result));
  assertEquals([result.deployments_checked, result.events_checked], [2, 3]);
  assertEquals(query(db, "SELECT max(version) AS v FROM schema_migrations"), [{
    v: MIGRATIONS.at(-1)!.version,
  }]);
  const checked = await checkExport(db, dir.path);
  assertEquals(checked.code, 0, checked.stdout);
  // An event recorded after the migration continues its deployment's chain.
  const recorded = await cli(["--db", db, "deploy", "event", "2", "container_started"]);
  assertEquals(recorded.code, 0, recorded.stderr);
  assertEquals((await verify(db)).code, 0);
  await sqlite3(db, "UPDATE deployment_events SET error = 'disk' WHERE id = 2");
  const edited = await verify(db);
  assertEquals(edited.code, 1);
  assertEquals(edited.result.broken.map((l) => [l.problem, l.deployment_id, l.event_id]), [
    ["event_hash", 1, 2],
  ]);
});

Deno.test("verify: an adopted Go dockswap file ends with its history chained", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/go.db`;
  makeGoDockswapDb(db);
  const { code, result } = await verify(db);
  assertEquals(code, 0, JSON.stringify(result));
  const [{ events }] = query<{ events: number }>(
    db,
    "SELECT count(*) AS events FROM deployment_events",
  );
  assert(events > 0);
  assertEquals(result.events_checked, events);
  assertEquals(query(db, "SELECT count(*) AS n FROM deployment_events WHERE hash IS NULL"), [
    { n: 0 },
  ]);
  // The independent checker agrees on the adopted chains (configs aside: Go's own hashes).
  const file = `${dir.path}/events.ndjson`;
  for (const table of ["deployments", "events"]) {
    const exported = await cli(["--db", db, "export", "--table", table, "--format", "ndjson"]);
    assertEquals(exported.code, 0, exported.stderr);
    await Deno.writeTextFile(file, exported.stdout, { append: true });
  }
  const run = await new Deno.Command("python3", { args: [CHECKER, file] }).output();
  assertEquals(run.code, 0, new TextDecoder().decode(run.stdout));
});

Deno.test("verify: docs/monitoring.md's checker is tests/verify_chain.py, word for word", async () => {
  const page = await Deno.readTextFile(MONITORING);
  const block = /```python\n([\s\S]*?)```/.exec(page)?.[1];
  assertEquals(block, await Deno.readTextFile(CHECKER));
});
