/** What is stored is what was acknowledged: payloads byte for byte, checked with sqlite3. */
import { assert, assertEquals } from "./_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "./_cli.ts";
import { rpcOnce, type RpcResponse } from "./_rpc.ts";

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
