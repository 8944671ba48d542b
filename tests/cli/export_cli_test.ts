import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, cliJson, commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { parseCsv } from "../_csv.ts";
import { query } from "../_db.ts";
import { addHistory } from "../_history.ts";
import { request, rpcLines } from "../_rpc.ts";
import { configFor } from "../reliability/_support.ts";
import { EXPORT_FORMAT_NAMES } from "../../src/operations/export_formats/mod.ts";

type Line = { kind: string; id?: number; app_name: string; [key: string]: unknown };

async function newDb(dir: string): Promise<string> {
  const db = `${dir}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  return db;
}

function lines(text: string): Line[] {
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

function idsOf(rows: Line[], kind: string): number[] {
  return rows.filter((r) => r.kind === kind).map((r) => r.id as number);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function allIds(db: string, table: string): number[] {
  return query<{ id: number }>(db, `SELECT id FROM ${table} ORDER BY id`).map((r) => r.id);
}

Deno.test("export --cursor across three runs with writes between: no row repeated, none missed", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const cursor = `${dir.path}/export.cursor`;
  const seen: Line[] = [];
  const run = async (n: number) => {
    const out = `${dir.path}/run${n}.ndjson`;
    const result = await cli(["--db", db, "export", "--output", out, "--cursor", cursor]);
    assertEquals(result.code, 0, result.stderr);
    assertEquals(result.stdout, "");
    const got = lines(await Deno.readTextFile(out));
    seen.push(...got.filter((l) => l.kind !== "state"));
    return got;
  };

  addHistory(db, { app: "web-api", deployments: 3 });
  await run(1);
  // Second batch leaves a deployment in flight: it must wait until it has ended.
  const batch = addHistory(db, { app: "worker", deployments: 2, inFlight: true });
  const second = await run(2);
  const inFlight = batch.deployments[1];
  assert(!idsOf(second, "deployment").includes(inFlight), "a deployment in flight is held back");
  assert(idsOf(second, "event").length > 0);
  // End it the way the lifecycle does, add more history, then the third run.
  const edit = new DatabaseSync(db);
  edit.prepare("UPDATE deployments SET status = 'failed', ended_at = ? WHERE id = ?")
    .run("2026-01-01T01:00:00.000Z", inFlight);
  edit.close();
  addHistory(db, { app: "billing", deployments: 2 });
  const third = await run(3);
  const ended = third.find((l) => l.kind === "deployment" && l.id === inFlight);
  assertEquals(ended?.status, "failed");

  for (
    const [kind, table] of [["config", "app_configs"], ["deployment", "deployments"], [
      "event",
      "deployment_events",
    ]]
  ) {
    const exported = idsOf(seen, kind);
    assertEquals(new Set(exported).size, exported.length, `${kind}: a row was repeated`);
    assertEquals(exported.toSorted((a, b) => a - b), allIds(db, table), `${kind}: a row missed`);
  }
  // current_state has no id: each run carries the whole table.
  assertEquals(third.filter((l) => l.kind === "state").length, 3);
  const saved = JSON.parse(await Deno.readTextFile(cursor));
  assertEquals(saved.last_id.events, allIds(db, "deployment_events").at(-1));
});

Deno.test("export --format csv is RFC 4180 with a header, read back by a CSV parser", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  addHistory(db, { app: "web-api", deployments: 2 });
  const result = await cli(["--db", db, "export", "--table", "events", "--format", "csv"]);
  assertEquals(result.code, 0, result.stderr);
  const [header, ...records] = parseCsv(result.stdout);
  assertEquals(header, [
    "id",
    "deployment_id",
    "app_name",
    "event_type",
    "from_state",
    "to_state",
    "payload",
    "error",
    "created_at",
    "hash",
  ]);
  const rows = query<Record<string, string | number | null>>(
    db,
    "SELECT * FROM deployment_events ORDER BY id",
  );
  assertEquals(records.length, rows.length);
  for (const [i, record] of records.entries()) {
    const row = rows[i];
    assertEquals(Number(record[0]), row.id);
    assertEquals(record[3], row.event_type);
    assertEquals(JSON.parse(record[6]), JSON.parse(row.payload as string));
    assertEquals(record[7], "");
    assertEquals(record[9], row.hash);
  }
  assertStringIncludes(result.stdout, '""'); // the payload's quote, doubled
});

Deno.test("export refuses the table format and CSV of several tables, writing nothing", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const out = `${dir.path}/out.csv`;
  const table = await cli(["--db", db, "--format", "table", "export", "--output", out]);
  assertEquals(table.code, 2);
  assertStringIncludes(table.stderr, "ndjson, csv or json");
  const csv = await cli(["--db", db, "export", "--format", "csv", "--output", out]);
  assertEquals(csv.code, 2);
  assertStringIncludes(csv.stderr, "--table");
  const since = await cli(["--db", db, "export", "--since", "yesterday"]);
  assertEquals(since.code, 2);
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name).includes("out.csv"), false);
});

Deno.test("export --gzip, --app, --since and --until select and compress", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  addHistory(db, { app: "web-api", deployments: 2, start: "2026-03-01T00:00:00.000Z" });
  addHistory(db, { app: "worker", deployments: 2, start: "2026-03-01T00:00:00.000Z" });
  const out = `${dir.path}/e.ndjson.gz`;
  const result = await cli([
    "--db",
    db,
    "export",
    "--table",
    "deployments",
    "--app",
    "worker",
    "--since",
    "2026-03-01",
    "--until",
    "2026-03-02T00:00:00Z",
    "--gzip",
    "--output",
    out,
  ]);
  assertEquals(result.code, 0, result.stderr);
  const stream = (await Deno.open(out)).readable.pipeThrough(new DecompressionStream("gzip"));
  const text = await new Response(stream).text();
  const rows = lines(text);
  assertEquals(rows.length, 2);
  assert(rows.every((r) => r.app_name === "worker" && r.kind === undefined));
  assertEquals((await Deno.stat(out)).mode! & 0o777, 0o600);
});

Deno.test("an export killed midway leaves the previous output and cursor untouched", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const ids = addHistory(db, { app: "web-api", deployments: 1 });
  const out = `${dir.path}/events.ndjson`;
  const cursor = `${dir.path}/events.cursor`;
  const first = await cli([
    "--db",
    db,
    "export",
    "--table",
    "events",
    "--output",
    out,
    "--cursor",
    cursor,
  ]);
  assertEquals(first.code, 0, first.stderr);
  const previousOutput = await Deno.readTextFile(out);
  const previousCursor = await Deno.readTextFile(cursor);

  // A big table, so the next export is still writing when it is killed.
  const big = new DatabaseSync(db);
  big.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000)
     INSERT INTO deployment_events
       (deployment_id, app_name, event_type, from_state, to_state, payload, created_at)
     SELECT ?, 'web-api', 'deploy', 'stable', 'starting',
            json_object('i', i, 'pad', printf('%.120c', 'x')), '2026-02-01T00:00:00.000Z' FROM n`,
  ).run(ids.deployments[0]);
  big.close();

  // The next run writes a file of its own: a delivered one is never replaced.
  const retryOut = `${dir.path}/events-2.ndjson`;
  const child = new Deno.Command(EXECUTABLE, {
    args: [
      ...commandLine(),
      "--db",
      db,
      "export",
      "--table",
      "events",
      "--output",
      retryOut,
      "--cursor",
      cursor,
    ],
    env: cleanEnv(),
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Wait until the temporary file holds data, then kill the exporter without warning.
  let temp: string | undefined;
  for (let i = 0; i < 3000 && temp === undefined; i++) {
    for (const entry of Deno.readDirSync(dir.path)) {
      if (entry.name.startsWith(".events-2.ndjson.tmp-")) {
        const size = Deno.statSync(`${dir.path}/${entry.name}`).size;
        if (size > 0) temp = entry.name;
      }
    }
    if (temp === undefined) await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assert(temp !== undefined, "the export never started writing");
  assertEquals(status.signal, "SIGKILL", "the export finished before it could be killed");
  assertEquals(await Deno.readTextFile(out), previousOutput);
  assertEquals(exists(retryOut), false);
  assertEquals(await Deno.readTextFile(cursor), previousCursor);

  // A retry (under the same name, never delivered) picks up exactly the rows the killed run
  // did not deliver.
  const again = await cli([
    "--db",
    db,
    "export",
    "--table",
    "events",
    "--output",
    retryOut,
    "--cursor",
    cursor,
  ]);
  assertEquals(again.code, 0, again.stderr);
  assertEquals(await Deno.readTextFile(out), previousOutput);
  const text = await Deno.readTextFile(retryOut);
  let count = 0;
  let firstId = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (count === 0) firstId = JSON.parse(line).id;
    count++;
  }
  assertEquals(count, 400000);
  assertEquals(firstId, ids.events.at(-1)! + 1);
});

Deno.test("export --cursor settles what a run killed between its steps left: delivered output counts once, undelivered not at all", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  addHistory(db, { app: "web-api", deployments: 2 });
  const cursor = `${dir.path}/export.cursor`;
  const exportTo = (out: string) =>
    cli(["--db", db, "export", "--table", "events", "--output", out, "--cursor", cursor]);
  const first = await exportTo(`${dir.path}/day1.ndjson`);
  assertEquals(first.code, 0, first.stderr);
  const cursorBefore = await Deno.readTextFile(cursor);
  addHistory(db, { app: "worker", deployments: 1 });
  const advanced = JSON.parse(cursorBefore);
  const newEvents = allIds(db, "deployment_events").filter((id) => id > advanced.last_id.events);
  assert(newEvents.length > 0);
  advanced.last_id.events = newEvents.at(-1);

  // Killed after the pending cursor was written but before the output took its name: the
  // temporary output is still there, so nothing was delivered and the rows go out again.
  const deadPid = 999_999_999;
  const temp = `${dir.path}/.day2.ndjson.tmp-${deadPid}-abc`;
  await Deno.writeTextFile(temp, "half of day 2\n");
  await Deno.writeTextFile(
    `${cursor}.pending`,
    JSON.stringify({ cursor: advanced, output_temp: temp }),
  );
  const retry = await exportTo(`${dir.path}/day2.ndjson`);
  assertEquals(retry.code, 0, retry.stderr);
  assertEquals(
    lines(await Deno.readTextFile(`${dir.path}/day2.ndjson`)).map((l) => l.id),
    newEvents,
  );
  assertEquals(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) => n.startsWith(".")),
    [],
    "the pending cursor and the killed run's temporary output are gone",
  );

  // Killed after the output took its name but before the cursor moved: the output was
  // delivered, so the next run exports nothing of it again.
  await Deno.writeTextFile(cursor, cursorBefore);
  await Deno.writeTextFile(
    `${cursor}.pending`,
    JSON.stringify({ cursor: advanced, output_temp: `${dir.path}/.gone.tmp-${deadPid}-x` }),
  );
  const next = await exportTo(`${dir.path}/day3.ndjson`);
  assertEquals(next.code, 0, next.stderr);
  assertEquals(await Deno.readTextFile(`${dir.path}/day3.ndjson`), "");
  assertEquals(JSON.parse(await Deno.readTextFile(cursor)).last_id.events, newEvents.at(-1));

  // A pending cursor that is not one is refused, changing nothing.
  await Deno.writeTextFile(`${cursor}.pending`, "garbage");
  const refused = await exportTo(`${dir.path}/day4.ndjson`);
  assertEquals(refused.code, 2, refused.stderr);
  assertStringIncludes(refused.stderr, "export.cursor.pending");
  assertEquals(exists(`${dir.path}/day4.ndjson`), false);
});

Deno.test("export cleans temporary files of killed runs, keeps a live process's, and refuses --cursor equal to --output", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  const out = `${dir.path}/out.ndjson`;
  const cursor = `${dir.path}/c.cursor`;
  const stale = [
    `${dir.path}/.out.ndjson.tmp-999999999-a1`,
    `${dir.path}/.c.cursor.tmp-999999999-b2`,
    `${dir.path}/.c.cursor.pending.tmp-999999999-c3`,
  ];
  const live = `${dir.path}/.out.ndjson.tmp-${Deno.pid}-d4`;
  const young = `${dir.path}/.out.ndjson.tmp-999999999-e5`;
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const file of [...stale, live, young]) {
    await Deno.writeTextFile(file, "x");
    if (file !== young) await Deno.utime(file, hourAgo, hourAgo);
  }
  // A process still writing holds its temporary file locked.
  const writer = await Deno.open(live, { read: true, write: true });
  await writer.lock(true);
  const run = await cli(["--db", db, "export", "--output", out, "--cursor", cursor]);
  writer.close();
  assertEquals(run.code, 0, run.stderr);
  for (const file of stale) assertEquals(exists(file), false, file);
  assertEquals(exists(live), true, "a live process's file was removed");
  assertEquals(exists(young), true, "a file just created was removed");

  const same = await cli(["--db", db, "export", "--output", cursor, "--cursor", cursor]);
  assertEquals(same.code, 2, same.stderr);
  assertStringIncludes(same.stderr, "same file");
});

Deno.test("export --cursor to stdout and with --table all: each table's cursor moves; state goes out whole each run", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  addHistory(db, { app: "web-api", deployments: 2 });
  const cursor = `${dir.path}/c.cursor`;
  const first = await cli(["--db", db, "export", "--cursor", cursor]);
  assertEquals(first.code, 0, first.stderr);
  const got = lines(first.stdout);
  assertEquals(idsOf(got, "event"), allIds(db, "deployment_events"));
  assertEquals(idsOf(got, "deployment"), allIds(db, "deployments"));
  const saved = JSON.parse(await Deno.readTextFile(cursor));
  assertEquals(saved.last_id, {
    configs: allIds(db, "app_configs").at(-1),
    deployments: allIds(db, "deployments").at(-1),
    events: allIds(db, "deployment_events").at(-1),
  });
  const second = await cli(["--db", db, "export", "--cursor", cursor]);
  assertEquals(second.code, 0, second.stderr);
  assertEquals(lines(second.stdout).map((l) => l.kind), ["state"]);
  // A cursor made for all apps is refused for one app, and the cursor is left as it was.
  const before = await Deno.readTextFile(cursor);
  const other = await cli(["--db", db, "export", "--app", "web-api", "--cursor", cursor]);
  assertEquals(other.code, 2, other.stderr);
  assertEquals(await Deno.readTextFile(cursor), before);
});

Deno.test("exports read in pages: every row once, in id order, across page boundaries", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  // 3 apps x 40 deployments x 6 events: 720 events, several pages of every table that pages.
  for (const app of ["a", "b", "c"]) addHistory(db, { app, deployments: 40 });
  const events = allIds(db, "deployment_events");
  assert(events.length > 300, `${events.length} events`);
  const ndjson = await cli(["--db", db, "export", "--table", "events"]);
  assertEquals(lines(ndjson.stdout).map((r) => r.id), events);
  const csv = parseCsv(
    (await cli(["--db", db, "export", "--table", "events", "--format", "csv"]))
      .stdout,
  );
  assertEquals(csv.slice(1).map((r) => Number(r[0])), events);
  const all = lines((await cli(["--db", db, "export", "--table", "all"])).stdout);
  assertEquals(idsOf(all, "deployment"), allIds(db, "deployments"));
  assertEquals(idsOf(all, "event"), events);

  // A payload stored spaced over lines (as an adopted Go row may be) stays one NDJSON line, its
  // big integer exact; CSV and JSON carry the same compact text.
  const spaced = '{ "n": 12345678901234567890,\n  "s": "a b" }';
  const raw = new DatabaseSync(db);
  raw.prepare("UPDATE deployment_events SET payload = ? WHERE id = ?").run(spaced, events[0]);
  raw.close();
  const first = (await cli(["--db", db, "export", "--table", "events"])).stdout.split("\n")[0];
  assertStringIncludes(first, '"payload":{"n":12345678901234567890,"s":"a b"},');
  const csvFirst = parseCsv(
    (await cli(["--db", db, "export", "--table", "events", "--format", "csv"])).stdout,
  )[1];
  assertEquals(csvFirst[6], '{"n":12345678901234567890,"s":"a b"}');
  const json = (await cli(["--db", db, "export", "--table", "events", "--format", "json"])).stdout;
  assertStringIncludes(json, '"payload":{"n":12345678901234567890,"s":"a b"},');
  assertEquals(JSON.parse(json).length, events.length);
});

/** The statements that made `source`'s schema (tables, indexes, triggers), in their order. */
function schemaOf(source: string): string[] {
  return query<{ sql: string }>(
    source,
    "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
  ).map((r) => r.sql);
}

/**
 * Loads one NDJSON export (`--table all`) into `target`, row by row, in one transaction, with
 * foreign keys enforced at each row: configs and events are insert-once (a re-delivered row
 * changes nothing), deployments and state rows are upserts (the newest delivery wins).
 */
function loadIncrement(target: DatabaseSync, text: string): void {
  const upsert = (table: string, key: string, row: Line, columns: string[], update: boolean) => {
    const values = columns.map((c) => {
      const value = row[c];
      return c === "payload" && value !== null ? JSON.stringify(value) : value;
    }) as (string | number | null)[];
    const set = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`).join(", ");
    target.prepare(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
       ON CONFLICT (${key}) DO ${update ? `UPDATE SET ${set}` : "NOTHING"}`,
    ).run(...values);
  };
  target.exec("BEGIN");
  try {
    for (const row of lines(text)) {
      const { kind: _kind, ...fields } = row;
      const columns = Object.keys(fields);
      if (row.kind === "config") upsert("app_configs", "id", row, columns, false);
      else if (row.kind === "deployment") upsert("deployments", "id", row, columns, true);
      else if (row.kind === "event") upsert("deployment_events", "id", row, columns, false);
      else if (row.kind === "state") upsert("current_state", "app_name", row, columns, true);
      else throw new Error(`unknown kind ${row.kind}`);
    }
    target.exec("COMMIT");
  } catch (error) {
    target.exec("ROLLBACK");
    throw error;
  }
}

function tableDump(db: DatabaseSync, table: string, key: string): string {
  const columns = table === "deployment_events" ? "*, json(payload) AS payload" : "*";
  return JSON.stringify(db.prepare(`SELECT ${columns} FROM ${table} ORDER BY ${key}`).all());
}

Deno.test("export --cursor: every increment loads in order into the same schema with foreign keys on, and the loads add up to the source", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const cursor = `${dir.path}/export.cursor`;
  const rpc = async (requests: [string, Record<string, unknown>][]) => {
    const answers = await rpcLines(db, requests.map(([m, p], i) => request(i, m, p))) as {
      error?: unknown;
    }[];
    assert(answers.every((a) => !a.error), JSON.stringify(answers));
  };
  const deploy = (app: string, image: string, events: string[]) =>
    [
      ["deploy.start", { app_name: app, image }],
      ...events.map((
        event_type,
      ) => ["deploy.event", { app_name: app, event_type, payload: { image } }]),
    ] as [string, Record<string, unknown>][];
  const HAPPY = [
    "container_started",
    "health_check_passed",
    "caddy_updated",
    "drain_complete",
    "container_stopped",
  ];
  const files: string[] = [];
  const exportRun = async () => {
    const out = `${dir.path}/history-${files.length + 1}.ndjson`;
    const run = await cli(["--db", db, "export", "--cursor", cursor, "--output", out]);
    assertEquals(run.code, 0, run.stderr);
    files.push(await Deno.readTextFile(out));
  };

  await rpc([
    ...["web", "api", "worker"].map((app) =>
      ["config.add", { config_yaml: configFor(app) }] as [string, Record<string, unknown>]
    ),
    ...deploy("web", "web:1", HAPPY),
    // api stays in flight across two exports; worker's deployment comes after it and has ended.
    ...deploy("api", "api:1", ["container_started"]),
    ...deploy("worker", "worker:1", HAPPY),
    ...deploy("web", "web:2", HAPPY),
  ]);
  await exportRun();
  await rpc([
    ["deploy.event", { app_name: "api", event_type: "health_check_passed" }],
    ...deploy("worker", "worker:2", ["container_started"]),
    ...deploy("web", "web:3", HAPPY),
  ]);
  await exportRun();
  await rpc([
    ["deploy.event", { app_name: "api", event_type: "caddy_updated" }],
    ["deploy.event", { app_name: "api", event_type: "drain_complete" }],
    ["deploy.event", { app_name: "api", event_type: "container_stopped" }],
    ["deploy.event", { app_name: "worker", event_type: "health_check_failed" }],
    ["deploy.event", { app_name: "worker", event_type: "rollback_complete" }],
  ]);
  await exportRun();

  const source = new DatabaseSync(db, { readOnly: true });
  const target = new DatabaseSync(`${dir.path}/loaded.db`);
  try {
    for (const sql of schemaOf(db)) target.exec(sql);
    target.exec("PRAGMA foreign_keys = ON");
    assertEquals(
      (target.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number }).foreign_keys,
      1,
    );
    for (const [i, text] of files.entries()) {
      try {
        loadIncrement(target, text);
      } catch (error) {
        throw new Error(`increment ${i + 1} does not load: ${(error as Error).message}\n${text}`);
      }
      // A re-delivered file (a retry after a kill) loads again and changes nothing.
      const before = tableDump(target, "deployments", "id") +
        tableDump(target, "deployment_events", "id");
      loadIncrement(target, text);
      assertEquals(
        tableDump(target, "deployments", "id") + tableDump(target, "deployment_events", "id"),
        before,
      );
    }
    assertEquals(target.prepare("PRAGMA foreign_key_check").all(), []);
    for (
      const [table, key] of [
        ["app_configs", "id"],
        ["deployments", "id"],
        ["deployment_events", "id"],
        ["current_state", "app_name"],
      ]
    ) {
      assertEquals(tableDump(target, table, key), tableDump(source, table, key), table);
    }
  } finally {
    source.close();
    target.close();
  }
  // What the first file held back: api's in-flight deployment, and the events and state rows
  // of it and of every deployment after it.
  const first = lines(files[0]);
  const api = first.find((l) => l.kind === "state" && l.app_name === "api");
  assertEquals(api, undefined, "api's state points at its deployment in flight");
  assert(!first.some((l) => l.kind === "event" && l.app_name !== "web"));
});

Deno.test("export --cursor never replaces its output: a same-name re-run is refused (file_exists), the file and cursor kept, and no row is in no file", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  addHistory(db, { app: "web-api", deployments: 2 });
  const cursor = `${dir.path}/export.cursor`;
  const today = `${dir.path}/history-2026-11-30.ndjson`;
  const exportTo = (out: string) =>
    cli(["--db", db, "export", "--output", out, "--cursor", cursor]);
  const first = await exportTo(today);
  assertEquals(first.code, 0, first.stderr);
  const delivered = await Deno.readTextFile(today);
  const cursorAfterFirst = await Deno.readTextFile(cursor);

  // A second run the same day (a catch-up timer, a manual test) with new rows to deliver.
  addHistory(db, { app: "worker", deployments: 1 });
  const again = await exportTo(today);
  assertEquals(again.code, 8, again.stderr);
  assertStringIncludes(again.stderr, "[file_exists]");
  assertStringIncludes(again.stderr, "Give each run its own name");
  assertStringIncludes(again.stderr, "%SZ).ndjson.", "the example keeps the name's endings");
  assertEquals(await Deno.readTextFile(today), delivered, "a delivered file was replaced");
  assertEquals(await Deno.readTextFile(cursor), cursorAfterFirst, "the cursor moved");
  assertEquals(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) => n.startsWith(".")),
    [],
    "the refused run left a temporary file or a pending cursor",
  );

  // Under its own name the next run delivers what the refused one did not: every row of the
  // source is in exactly one file.
  const later = `${dir.path}/history-2026-11-30T10.ndjson`;
  assertEquals((await exportTo(later)).code, 0);
  const seen = [...lines(delivered), ...lines(await Deno.readTextFile(later))];
  for (
    const [kind, table] of [
      ["config", "app_configs"],
      ["deployment", "deployments"],
      ["event", "deployment_events"],
    ]
  ) {
    assertEquals(idsOf(seen, kind).toSorted((a, b) => a - b), allIds(db, table), kind);
  }

  // The example keeps the endings of the name given, so a gzip run's example is a .gz name.
  const gz = `${dir.path}/history.ndjson.gz`;
  const gzipTo = () => cli(["--db", db, "export", "--gzip", "--output", gz, "--cursor", cursor]);
  assertEquals((await gzipTo()).code, 0);
  assertStringIncludes((await gzipTo()).stderr, "%SZ).ndjson.gz.");

  // Without --cursor a file holds no promise to a cursor: it is replaced, as before.
  const snapshot = `${dir.path}/snapshot.ndjson`;
  for (let i = 0; i < 2; i++) {
    const run = await cli(["--db", db, "export", "--output", snapshot]);
    assertEquals(run.code, 0, run.stderr);
  }
});

Deno.test("export's --format is its own list, wherever --format stands; other commands keep the renderers' list", async () => {
  await using dir = await tempDir();
  const db = await newDb(dir.path);
  addHistory(db, { app: "web-api", deployments: 2 });
  // --help lists exactly the export formats.
  const help = await cli(["export", "--help"]);
  const listed = /--format <format>[^(]*\(choices: ([^)]*?), default/.exec(
    help.stdout.replaceAll(/\s+/g, " "),
  )?.[1];
  assertEquals(listed, EXPORT_FORMAT_NAMES.map((name) => JSON.stringify(name)).join(", "));
  for (const format of EXPORT_FORMAT_NAMES) {
    const after = await cli(["--db", db, "export", "--table", "events", "--format", format]);
    assertEquals(after.code, 0, `${format}: ${after.stderr}`);
    assert(after.stdout.length > 0, format);
    const before = await cli(["--db", db, "--format", format, "export", "--table", "events"]);
    assertEquals(before.stdout, after.stdout, format);
  }
  for (const format of ["table", "xml", "ndjsonx"]) {
    const refused = await cli(["--db", db, "export", "--table", "events", "--format", format]);
    assertEquals(refused.code, 2, format);
    assertEquals(refused.stdout, "", format);
    assertStringIncludes(
      refused.stderr.replaceAll("\n", " "),
      "export writes ndjson, csv or json",
      format,
    );
  }
  // --json is export's json.
  const json = await cli(["--db", db, "--json", "export", "--table", "events"]);
  assertEquals(JSON.parse(json.stdout).length, allIds(db, "deployment_events").length);
  // Other commands: the renderers' formats, table included, before or after the command.
  const status = await cli(["--db", db, "status", "--format", "ndjson"]);
  assertEquals(status.code, 0, status.stderr);
  assertEquals(lines(status.stdout).map((row) => row.app_name), ["web-api"]);
  assertEquals((await cli(["--db", db, "--format", "table", "status"])).code, 0);
  assertEquals((await cli(["--db", db, "status", "--format", "xml"])).code, 2);
});
