/**
 * Migration 0008's `payload_spacing`: 1 once any event's payload is stored as text json() would
 * change, counted from the events already recorded and kept by triggers on every write by any
 * program. Export trusts the stored text only while it is 0, so a file it missed would export a
 * spaced payload as stored: each case below ends with an export whose payloads are json()'s.
 */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, createDatabase, pasteIntoBash, tempDir } from "../_cli.ts";
import { query, sqlite3 } from "../_db.ts";
import { databaseAtSchema, storeOverDeepPayload } from "../_older_files.ts";
import { addHistory } from "../_history.ts";
import { rpcLines } from "../_rpc.ts";

const DEPLOYMENT = `INSERT INTO deployments (id, app_name, image, started_at, status, active_color)
  VALUES (1, 'web', 'web:1', '2026-01-01T00:00:00.000Z', 'in_progress', 'green');`;

/**
 * Events inserted by another program through node:sqlite: the system's sqlite3 (3.40) lacks the
 * `subsec` modifier migration 0006's triggers use on every event inserted.
 */
function insertEvents(path: string, payloads: (string | null)[]): void {
  const db = new DatabaseSync(path);
  try {
    const insert = db.prepare(
      `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
         payload, created_at) VALUES (1, 'web', 'deploy', 'stable', 'starting', ?, ?)`,
    );
    payloads.forEach((payload, i) => insert.run(payload, `2026-01-01T00:00:0${i}.000Z`));
  } finally {
    db.close();
  }
}

const spaced = (db: string) =>
  Number(query<{ n: number }>(db, "SELECT spaced AS n FROM payload_spacing")[0].n);

/** Each exported event's payload is json()'s text of the stored one. */
async function assertExportMinifies(db: string): Promise<void> {
  const exported = await cli(["--db", db, "export", "--table", "events"]);
  assertEquals(exported.code, 0, exported.stderr);
  const payloads = exported.stdout.trimEnd().split("\n").map((line) =>
    line.match(/"payload":(.*),"error":/)![1]
  );
  const minified = query<{ p: string | null }>(
    db,
    "SELECT json(payload) AS p FROM deployment_events ORDER BY id",
  ).map((row) => row.p ?? "null");
  assertEquals(payloads, minified);
}

Deno.test("payload_spacing: compact payloads (spaces inside strings too) leave it 0, a spaced update sets it for good", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  assertEquals(spaced(db), 0);
  // `deploy event` stores the compact text of a spaced --payload.
  addHistory(db, { app: "web", deployments: 1 });
  await cliJson(db, ["deploy", "start", "web", "--image", "web:2"]);
  const event = await cli([
    "--db",
    db,
    "deploy",
    "event",
    "--app",
    "web",
    "container_started",
    "--payload",
    '{ "container" : "web-green",\n "port" : 8001 }',
  ]);
  assertEquals(event.code, 0, event.stderr);
  assertEquals(
    query(db, "SELECT payload FROM deployment_events ORDER BY id DESC LIMIT 1"),
    [{ payload: '{"container":"web-green","port":8001}' }],
  );
  // Spaces inside strings are not spacing.
  const raw = new DatabaseSync(db);
  raw.prepare(
    `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
       payload, created_at) SELECT id, 'web', 'health_check_passed', 'health_check', 'switching',
       ?, '2027-01-01T00:00:00.000Z' FROM deployments WHERE status = 'in_progress'`,
  ).run('{"log":"GET /healthz -> 200 \\"ok\\" \u2192 done"}');
  raw.close();
  assertEquals(spaced(db), 0);
  await assertExportMinifies(db);

  // Spaced text written by another program, here the sqlite3 shell.
  const [first] = query<{ id: number }>(db, "SELECT min(id) AS id FROM deployment_events");
  await sqlite3(db, `UPDATE deployment_events SET payload = '[1, 2]' WHERE id = ${first.id}`);
  assertEquals(spaced(db), 1);
  await assertExportMinifies(db);
  // Deleting the spaced event does not clear it (nothing rescans the table).
  await sqlite3(db, `DELETE FROM deployment_events WHERE id = ${first.id}`);
  assertEquals(spaced(db), 1);
  await assertExportMinifies(db);
});

Deno.test("payload_spacing: an insert of spaced text sets it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  await sqlite3(db, DEPLOYMENT);
  insertEvents(db, [null, '{"a":1}', "null"]);
  assertEquals(spaced(db), 0);
  insertEvents(db, ['{"a":\t1}']);
  assertEquals(spaced(db), 1);
  await assertExportMinifies(db);
});

Deno.test("payload_spacing: migration 0008 reads the events recorded before it", async () => {
  await using dir = await tempDir();
  for (
    const [name, payloads, expected] of [
      ["compact", ['{"a":"b c"}', null, "[1,2]"], 0],
      ["spaced", ['{"a":"b c"}', '{\n  "a": 1\n}', null], 1],
    ] as const
  ) {
    const db = `${dir.path}/${name}.db`;
    databaseAtSchema(db, 7);
    await sqlite3(db, DEPLOYMENT);
    insertEvents(db, [...payloads]);
    const status = await cli(["--db", db, "status"]);
    assertEquals(status.code, 0, status.stderr);
    assertEquals(query(db, "SELECT max(version) AS v FROM schema_migrations"), [{ v: 8 }]);
    assertEquals(spaced(db), expected, name);
    await assertExportMinifies(db);
  }
});

Deno.test("payload_spacing: migration 0008 counts a payload this SQLite cannot read as JSON as spaced; export and verify refuse it clearly, the rest works", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/deep.db`;
  databaseAtSchema(db, 7);
  await sqlite3(db, DEPLOYMENT);
  insertEvents(db, ['{"a":1}']);
  const deepId = storeOverDeepPayload(db, { withDeployment: false });

  const status = await cli(["--db", db, "status"]);
  assertEquals(status.code, 0, status.stderr);
  assertEquals(query(db, "SELECT max(version) AS v FROM schema_migrations"), [{ v: 8 }]);
  assertEquals(spaced(db), 1);
  for (const args of [["events", "1"], ["history", "web"]]) {
    const read = await cli(["--db", db, ...args]);
    assertEquals(read.code, 0, `${args.join(" ")}: ${read.stderr}`);
  }
  // doctor names the event.
  const doctor = await cli(["--db", db, "doctor"]);
  assertEquals(doctor.code, 1, doctor.stderr);
  assertStringIncludes(doctor.stdout, `event ${deepId}'s payload is not JSON this SQLite reads`);
  for (const args of [["export", "--table", "events"], ["verify"]]) {
    const refused = await cli(["--db", db, ...args]);
    assertEquals(refused.code, 6, `${args.join(" ")}: ${refused.stderr}`);
    assertEquals(refused.stdout, "");
    assertStringIncludes(refused.stderr, "cannot read as JSON");
    assertStringIncludes(refused.stderr, `--db ${db} doctor`);
    assertStringIncludes(refused.stderr, "[database_corrupt]");
  }
});

Deno.test("payload_spacing: doctor fails it when a trigger is gone and a spaced payload got past, and its pasted hint makes export minify", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  await sqlite3(db, DEPLOYMENT);
  insertEvents(db, ['{"a":1}', null]);
  const check = async () => {
    const run = await cli(["--db", db, "--json", "doctor"]);
    const { checks } = JSON.parse(run.stdout) as {
      checks: { check: string; status: string; detail: string; hint: string | null }[];
    };
    return { code: run.code, ...checks.find((c) => c.check === "payload_spacing")! };
  };
  assertEquals((await check()).status, "ok");

  // A program that drops the update trigger, then writes spacing the flag never hears of.
  await sqlite3(db, "DROP TRIGGER payload_spacing_on_update");
  const [first] = query<{ id: number }>(db, "SELECT min(id) AS id FROM deployment_events");
  await sqlite3(db, `UPDATE deployment_events SET payload = '{ "a" : 1 }' WHERE id = ${first.id}`);
  assertEquals(spaced(db), 0);
  const found = await check();
  assertEquals([found.code, found.status], [1, "fail"]);
  assertStringIncludes(found.detail, "payload_spacing_on_update missing");
  assertStringIncludes(found.detail, `event ${first.id}'s payload is stored spaced`);

  // Pasted from the table a person reads, where the hint is printed whole.
  const table = await cli(["--db", db, "doctor"]);
  const row = table.stdout.split("\n").find((line) => line.startsWith("payload_spacing"))!;
  const repair = row.slice(row.indexOf("sqlite3 "));
  assertEquals(repair, found.hint);
  // Over JSON-RPC the same hint names the change, not a shell command (docs/rpc.md).
  const [viaRpc] = await rpcLines(db, [
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "db.doctor", params: {} }),
  ]) as { result: { checks: { check: string; hint: string | null }[] } }[];
  assertEquals(
    viaRpc.result.checks.find((c) => c.check === "payload_spacing")?.hint,
    `payload_spacing.spaced = 1 in ${db}`,
  );
  const pasted = await pasteIntoBash(repair, "/");
  assertEquals(pasted.code, 0, pasted.stderr);
  assertEquals((await check()).status, "ok");
  await assertExportMinifies(db);
});
