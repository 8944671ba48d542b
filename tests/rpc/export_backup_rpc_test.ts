/**
 * db.export and db.backup through the real stdio server: the files they write, read back by the
 * sqlite3 shell and by parsing; the cursor protocol; refusals that write nothing; and how they
 * run alone between the commits of the requests around them.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { parseCsv } from "../_csv.ts";
import { sqlite3, tableCounts } from "../_db.ts";
import { addHistory } from "../_history.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";

async function newDb(dir: string): Promise<string> {
  const db = `${dir}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  addHistory(db, { app: "web-api", deployments: 3 });
  addHistory(db, { app: "worker", deployments: 2 });
  return db;
}

async function call(db: string, method: string, params: unknown): Promise<RpcResponse> {
  const [response] = await rpcLines(db, [request(1, method, params)]);
  return response as RpcResponse;
}

function ok<T>(response: RpcResponse): T {
  assertEquals(response.error, undefined, JSON.stringify(response.error));
  return response.result as T;
}

interface Summary {
  output: string;
  format: string;
  tables: { table: string; rows: number; last_id: number | null }[];
  cursor: { path: string; last_id: Record<string, number> } | null;
}

/** The names in a folder, but the database's own files. */
function written(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.startsWith("d.db"))
    .sort();
}

Deno.test("db.export writes the file the CLI's export writes, byte for byte, and returns rows per table", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const all = `${dir.path}/all.ndjson`;
  const summary = ok<Summary>(await call(db, "db.export", { output: all }));
  const cli_ = await cli(["--db", db, "export"]);
  assertEquals(cli_.code, 0, cli_.stderr);
  assertEquals(await Deno.readTextFile(all), cli_.stdout);
  assertEquals((await Deno.stat(all)).mode! & 0o777, 0o600);
  assertEquals(summary.output, all);
  assertEquals(summary.cursor, null);
  const counts: Record<string, string> = {
    configs: "app_configs",
    deployments: "deployments",
    events: "deployment_events",
    state: "current_state",
  };
  for (const { table, rows } of summary.tables) {
    assertEquals(String(rows), await sqlite3(db, `SELECT count(*) FROM ${counts[table]}`), table);
  }
  assertEquals(summary.tables.map((t) => t.table), ["configs", "deployments", "events", "state"]);

  // CSV of one table, read back by a CSV parser against what sqlite3 says is stored.
  const csv = `${dir.path}/events.csv`;
  ok(await call(db, "db.export", { output: csv, table: "events", format: "csv" }));
  const [header, ...records] = parseCsv(await Deno.readTextFile(csv));
  assertEquals(header[0], "id");
  assertEquals(
    records.map((r) => r[0]).join("\n"),
    await sqlite3(db, "SELECT id FROM deployment_events ORDER BY id"),
  );

  // gzip, one app, a time window: what the CLI writes for the same selection.
  const gz = `${dir.path}/worker.ndjson.gz`;
  const selection = { table: "deployments", app_name: "worker", since: "2000-01-01" };
  ok(await call(db, "db.export", { output: gz, gzip: true, ...selection }));
  const text = await new Response(
    (await Deno.open(gz)).readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  const same = await cli([
    "--db",
    db,
    "export",
    "--table",
    "deployments",
    "--app",
    "worker",
    "--since",
    "2000-01-01",
  ]);
  assertEquals(text, same.stdout);
  assertEquals(text.trim().split("\n").length, 2);
});

Deno.test("db.export with a cursor follows the CLI's protocol: new rows only, and an existing output is refused (file_exists) with nothing moved", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const cursor = `${dir.path}/export.cursor`;
  const first = ok<Summary>(
    await call(db, "db.export", { output: `${dir.path}/1.ndjson`, table: "events", cursor }),
  );
  const lastEvent = Number(await sqlite3(db, "SELECT max(id) FROM deployment_events"));
  assertEquals(first.cursor, { path: cursor, last_id: { events: lastEvent } });
  assertEquals(JSON.parse(await Deno.readTextFile(cursor)).last_id, { events: lastEvent });

  addHistory(db, { app: "billing", deployments: 1 });
  const second = ok<Summary>(
    await call(db, "db.export", { output: `${dir.path}/2.ndjson`, table: "events", cursor }),
  );
  const ids = (await Deno.readTextFile(`${dir.path}/2.ndjson`)).trim().split("\n")
    .map((line) => JSON.parse(line).id);
  assertEquals(
    ids.join("\n"),
    await sqlite3(db, `SELECT id FROM deployment_events WHERE id > ${lastEvent} ORDER BY id`),
  );
  assertEquals(second.tables[0].rows, ids.length);

  // The same name again: refused, the delivered file and the cursor as they were.
  const delivered = await Deno.readTextFile(`${dir.path}/2.ndjson`);
  const cursorText = await Deno.readTextFile(cursor);
  addHistory(db, { app: "mailer", deployments: 1 });
  const again = await call(db, "db.export", {
    output: `${dir.path}/2.ndjson`,
    table: "events",
    cursor,
  });
  assertEquals(again.error?.code, -32040);
  assertEquals(again.error?.data?.code, "file_exists");
  assertStringIncludes(again.error!.message, "Give each run its own name");
  assertEquals(await Deno.readTextFile(`${dir.path}/2.ndjson`), delivered);
  assertEquals(await Deno.readTextFile(cursor), cursorText);
  assertEquals(written(dir.path), ["1.ndjson", "2.ndjson", "export.cursor"]);
});

Deno.test("db.backup writes a verified copy that sqlite3 reads whole; an existing file is refused unless force", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const backup = `${dir.path}/backup.db`;
  const made = ok<{ path: string; bytes: number; quick_check: string }>(
    await call(db, "db.backup", { path: backup }),
  );
  assertEquals(made.path, backup);
  assertEquals(made.bytes, (await Deno.stat(backup)).size);
  assertEquals((await Deno.stat(backup)).mode! & 0o777, 0o600);
  assertEquals(await sqlite3(backup, "PRAGMA integrity_check"), "ok");
  for (const table of ["app_configs", "deployments", "deployment_events", "current_state"]) {
    const sql = `SELECT * FROM ${table} ORDER BY 1`;
    assertEquals(await sqlite3(backup, sql), await sqlite3(db, sql), table);
  }
  addHistory(db, { app: "billing", deployments: 1 });
  const refused = await call(db, "db.backup", { path: backup });
  assertEquals(refused.error?.data?.code, "file_exists");
  assertEquals(await sqlite3(backup, "SELECT count(*) FROM deployments"), "5");
  ok(await call(db, "db.backup", { path: backup, force: true }));
  assertEquals(await sqlite3(backup, "SELECT count(*) FROM deployments"), "6");
});

Deno.test("bad params of db.export and db.backup are refused with -32602, and nothing is written", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const out = `${dir.path}/out.ndjson`;
  const before = tableCounts(db);
  const cases: [string, Record<string, unknown>, string][] = [
    ["db.export", {}, "output: missing"],
    ["db.export", { output: "" }, "output"],
    ["db.export", { output: out, format: "table" }, "format"],
    ["db.export", { output: out, format: "csv" }, "table"],
    ["db.export", { output: out, table: "event" }, "did you mean events?"],
    ["db.export", { output: out, since: "yesterday" }, "since"],
    ["db.export", { output: out, until: "2026-13-01" }, "until"],
    ["db.export", { output: out, app_name: "café" }, "app_name"],
    ["db.export", { output: out, gzip: "yes" }, "gzip"],
    ["db.export", { output: out, stdout: true }, "stdout"],
    ["db.export", { output: db }, "is the database"],
    ["db.export", { output: `${db}-wal` }, "is the database"],
    ["db.export", { output: out, cursor: out }, "same file"],
    ["db.backup", {}, "path: missing"],
    ["db.backup", { path: db, force: true }, "is the database"],
    ["db.backup", { path: `${dir.path}/b.db`, force: "yes" }, "force"],
  ];
  const responses = await rpcLines(
    db,
    cases.map(([method, params], i) => request(i, method, params)),
  ) as RpcResponse[];
  for (const [i, [method, params, words]] of cases.entries()) {
    const what = `${method} ${JSON.stringify(params)}`;
    assertEquals(responses[i].error?.code, -32602, `${what}: ${JSON.stringify(responses[i])}`);
    assertStringIncludes(responses[i].error!.message, words, what);
  }
  assertEquals(written(dir.path), []);
  assertEquals(tableCounts(db), before);
  assertEquals(await sqlite3(db, "PRAGMA quick_check"), "ok");
});

Deno.test("db.export runs alone between commits: it sees the writes before it, and a batch holding it is answered whole", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const out = `${dir.path}/after-deploy.ndjson`;
  const responses = await rpcLines(db, [
    request(1, "deploy.start", { app_name: "web-api", image: "reg/web-api:9" }),
    request(2, "db.export", { output: out, table: "deployments", app_name: "web-api" }),
    request(3, "state.get", { app_name: "web-api" }),
    JSON.stringify([
      JSON.parse(request(4, "ping")),
      JSON.parse(request(5, "db.backup", { path: `${dir.path}/b.db` })),
      JSON.parse(request(6, "state.list")),
    ]),
  ]) as (RpcResponse | RpcResponse[])[];
  assertEquals(responses.length, 4);
  const [start, exported, state, batch] = responses as [
    RpcResponse,
    RpcResponse,
    RpcResponse,
    RpcResponse[],
  ];
  const deployment = ok<{ deployment: { id: number } }>(start).deployment.id;
  ok(exported);
  const rows = (await Deno.readTextFile(out)).trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(rows.at(-1).id, deployment);
  assertEquals(rows.at(-1).image, "reg/web-api:9");
  assertEquals(ok<{ deployment_id: number }>(state).deployment_id, deployment);
  assertEquals(batch.map((r) => r.id), [4, 5, 6]);
  for (const response of batch) ok(response);
  assertEquals(
    await sqlite3(`${dir.path}/b.db`, "SELECT max(id) FROM deployments"),
    String(deployment),
  );
  assert(Array.isArray(batch[2].result));
});
