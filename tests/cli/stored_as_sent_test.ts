/**
 * What is stored is what was acknowledged: text SQLite would cut is refused, naming where, and
 * JSON payloads are stored byte for byte as sent, keys included. Checked with the sqlite3 CLI.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { rpcOnce, type RpcResponse } from "../_rpc.ts";
import { tableCounts } from "../_db.ts";

const WORKER = `${FIXTURES}apps/worker.yaml`;

/** Runs the sqlite3 CLI on `db` and returns its stdout (one column per line). */
async function sqlite3(db: string, sql: string): Promise<string> {
  const output = await new Deno.Command("sqlite3", { args: ["-readonly", db, sql] }).output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

/** Sends raw request lines (written by hand, so no JSON.stringify rewrites them). */
async function rpcRaw(db: string, lines: string[]): Promise<RpcResponse[]> {
  const result = await rpcOnce(db, lines.map((line) => line + "\n").join(""));
  assertEquals(result.code, 0, result.stderr);
  return result.lines.map((line) => JSON.parse(line));
}

/** A deploy.event request line for the worker app with `payload` as raw JSON text. */
function eventLine(id: number, payload: string, event = "container_started"): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"deploy.event","params":` +
    `{"app_name":"worker","event_type":"${event}","payload":${payload}}}`;
}

Deno.test("a __proto__ key in a payload is stored as sent, over RPC and from the CLI", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const { deployment } = await cliJson<{ deployment: { id: number } }>(db, [
    "deploy",
    "start",
    "worker",
    "--image",
    "worker:1",
  ]);
  const payloads = [
    '{"__proto__":{"polluted":true},"b":2}',
    '{"a":{"__proto__":[1,2]},"list":[{"__proto__":null}]}',
  ];
  const answers = await rpcRaw(db, [
    eventLine(1, payloads[0]),
    eventLine(2, payloads[1], "health_check_passed"),
  ]);
  for (const answer of answers) assertEquals(answer.error, undefined);
  // The answer carries the key too (read as raw text: JSON.parse keeps it as an own key).
  const first = answers[0].result as { event: { payload: Record<string, unknown> } };
  assert(Object.hasOwn(first.event.payload, "__proto__"), JSON.stringify(first));
  const cliPayload = '{"__proto__":{"x":1},"c":3}';
  await cliJson(db, [
    "deploy",
    "event",
    "--app",
    "worker",
    "caddy_updated",
    "--payload",
    cliPayload,
  ]);
  assertEquals(
    await sqlite3(
      db,
      "SELECT payload FROM deployment_events WHERE payload IS NOT NULL AND " +
        "event_type != 'deploy' ORDER BY id",
    ),
    [...payloads, cliPayload].join("\n") + "\n",
  );
  // Read back through the tool, the key is still there.
  const events = await cli(["--db", db, "--json", "events", String(deployment.id)]);
  assertEquals(events.stdout.split('"__proto__"').length - 1, 4, events.stdout);
});

Deno.test("a NUL character in stored text is refused, naming where; nothing is written", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const worker = await Deno.readTextFile(WORKER);
  const before = tableCounts(db);
  const line = (id: number, method: string, params: unknown) =>
    JSON.stringify({ jsonrpc: "2.0", id, method, params });
  const answers = await rpcRaw(db, [
    line(1, "config.add", {
      config_yaml: worker.replace("name: worker", "name: worker\nowner: a\0b"),
    }),
    line(2, "config.add", { config_yaml: worker + "# note\0\n" }),
    line(3, "deploy.start", { app_name: "worker", image: "worker:1\0evil" }),
    line(4, "deploy.start", { app_name: "worker", image: "worker:1", config_yaml: `${worker}\0` }),
    line(5, "config.check", { config_yaml: `${worker}#\0` }),
  ]);
  const expected = ["config_yaml", "config_yaml", "image", "config_yaml", "config_yaml"];
  answers.forEach((answer, i) => {
    assertEquals(answer.error?.data?.code, "invalid_argument", JSON.stringify(answer));
    assertStringIncludes(answer.error!.message, `${expected[i]}: holds a NUL character (U+0000)`);
  });
  assertEquals(tableCounts(db), before);
  // An error text and a reason, once a deployment is in flight.
  await cliJson(db, ["deploy", "start", "worker", "--image", "worker:1"]);
  const during = tableCounts(db);
  const [event, recover] = await rpcRaw(db, [
    line(6, "deploy.event", {
      app_name: "worker",
      event_type: "container_failed",
      error: "exit 1\0garbage",
    }),
    line(7, "deploy.recover", { app_name: "worker", reason: "by hand\0" }),
  ]);
  assertStringIncludes(event.error!.message, "error: holds a NUL character (U+0000)");
  assertStringIncludes(recover.error!.message, "reason: holds a NUL character (U+0000)");
  assertEquals(tableCounts(db), during);
  assertEquals(
    await sqlite3(
      db,
      "SELECT (SELECT count(*) FROM app_configs WHERE instr(config_yaml, char(0))) + " +
        "(SELECT count(*) FROM deployments WHERE instr(image, char(0))) + " +
        "(SELECT count(*) FROM deployment_events WHERE instr(error, char(0)))",
    ),
    "0\n",
  );
});

Deno.test("a config file holding a NUL is refused by the CLI, naming the file and line", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const file = `${dir.path}/worker.yaml`;
  const worker = await Deno.readTextFile(WORKER);
  await Deno.writeTextFile(file, worker.replace("name: worker", "name: worker # cut\0 here"));
  for (const command of [["config", "add", file], ["config", "check", file]]) {
    const result = await cli(["--db", db, ...command]);
    assertEquals(result.code, 4, result.stderr);
    assertStringIncludes(result.stderr, `${file}: control character U+0000 at line `);
  }
  const started = await cli([
    "--db",
    db,
    "deploy",
    "start",
    "worker",
    "--image",
    "w:1",
    "--config",
    file,
  ]);
  assertStringIncludes(started.stderr, "control character U+0000");
  // Nothing was created either.
  assertEquals(await Deno.stat(db).then(() => true, () => false), false);
});

Deno.test("a NUL inside a JSON payload is stored escaped and read back whole", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const { deployment } = await cliJson<{ deployment: { id: number } }>(db, [
    "deploy",
    "start",
    "worker",
    "--image",
    "worker:1",
  ]);
  const [answer] = await rpcRaw(db, [eventLine(1, '{"log":"a\\u0000b","k\\u0000":1}')]);
  assertEquals(answer.error, undefined);
  assertEquals(
    await sqlite3(
      db,
      "SELECT payload FROM deployment_events WHERE event_type = 'container_started'",
    ),
    '{"log":"a\\u0000b","k\\u0000":1}\n',
  );
  const read = await cliJson<{ payload: unknown }[]>(db, ["events", String(deployment.id)]);
  assertEquals(read[1].payload, { log: "a\u0000b", "k\u0000": 1 });
});
