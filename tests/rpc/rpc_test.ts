/** `dockswap-db rpc` end to end: the real server fed through pipes. */
import { OPERATIONS } from "../../src/operations/mod.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { query, tableCounts } from "../_db.ts";
import { MALFORMED } from "../data/malformed_rpc_inputs.ts";
import { notification, request, rpcLines, rpcOnce, RpcProcess, type RpcResponse } from "../_rpc.ts";

const WEB_API = `${FIXTURES}apps/web-api.yaml`;
const WEB_API_V2 = `${FIXTURES}apps/web-api-v2.yaml`;
const WORKER = `${FIXTURES}apps/worker.yaml`;
const BILLING = `${FIXTURES}apps/billing-crlf.yaml`;
const webApi = Deno.readTextFileSync(WEB_API);
const webApiV2 = Deno.readTextFileSync(WEB_API_V2);
const worker = Deno.readTextFileSync(WORKER);
const billing = Deno.readTextFileSync(BILLING);

/** A valid config for an app named `name` (the web-api fixture, renamed). */
function configFor(name: string): string {
  return webApi.replace(/^name: web-api$/m, `name: ${name}`);
}

function ok(response: unknown): unknown {
  const r = response as RpcResponse;
  if (r.error) throw new Error(`unexpected error: ${JSON.stringify(r.error)}`);
  return r.result;
}

Deno.test("rpc: every config and migrate method answers exactly what the CLI prints with --json", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const responses = await rpcLines(db, [
    request(1, "config.add", { config_yaml: webApi }),
    request(2, "config.add", { config_yaml: webApiV2, app_name: "web-api" }),
    request(3, "config.get", { app_name: "web-api" }),
    request(4, "config.get", { app_name: "web-api", id: 1 }),
    request(5, "config.history", { app_name: "web-api" }),
    request(6, "config.history", { app_name: "web-api", limit: 1 }),
    request(7, "config.check", { config_yaml: webApi }),
    request(8, "config.check", { config_yaml: webApiV2, app_name: "web-api" }),
    request(9, "config.diff", { app_name: "web-api" }),
    request(10, "config.diff", { app_name: "web-api", from_id: 1, to_id: 2 }),
    request(11, "migrate.status"),
    request(12, "ping"),
    request(13, "ping", {}),
  ]);
  assertEquals(responses.map((r) => (r as RpcResponse).id), [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
  ]);
  for (const response of responses) assertEquals((response as RpcResponse).jsonrpc, "2.0");
  const [
    add1,
    add2,
    get,
    get1,
    history,
    history1,
    check1,
    check2,
    diff,
    diff12,
    status,
    ping,
    ping2,
  ] = responses.map(ok);

  assertEquals((add1 as { created: boolean }).created, true);
  assertEquals((add2 as { created: boolean }).created, true);
  const again = await cliJson<{ created: boolean; config: unknown }>(db, [
    "config",
    "add",
    WEB_API_V2,
  ]);
  assertEquals(again, { created: false, config: (add2 as { config: unknown }).config });
  assertEquals(get, await cliJson(db, ["config", "show", "web-api"]));
  assertEquals(get1, await cliJson(db, ["config", "show", "web-api", "--id", "1"]));
  assertEquals(history, await cliJson(db, ["config", "history", "web-api"]));
  assertEquals(history1, await cliJson(db, ["config", "history", "web-api", "--limit", "1"]));
  const cliCheck = await cli(["--db", db, "--json", "config", "check", WEB_API]);
  assertEquals(check1, JSON.parse(cliCheck.stdout));
  assertEquals((check1 as { changed: boolean }).changed, true);
  const cliCheck2 = await cli(["--db", db, "--json", "config", "check", WEB_API_V2]);
  assertEquals(check2, JSON.parse(cliCheck2.stdout));
  assertEquals(diff, await cliJson(db, ["config", "diff", "web-api"]));
  assertEquals(diff12, await cliJson(db, ["config", "diff", "web-api", "1", "2"]));
  assertEquals(status, await cliJson(db, ["migrate", "status"]));
  assertEquals(ping, {});
  assertEquals(ping2, {});
});

interface Discovery {
  name: string;
  version: string;
  max_line_bytes: number;
  max_nesting: number;
  methods: {
    name: string;
    summary: string;
    access: string;
    params: Record<string, unknown>;
    result: Record<string, unknown>;
  }[];
}

Deno.test("rpc: rpc.discover lists every registered operation with JSON Schemas of params and result", async () => {
  await using dir = await tempDir();
  const [response] = await rpcLines(`${dir.path}/d.db`, [request("d", "rpc.discover")]);
  const discovery = ok(response) as Discovery;
  assertEquals(discovery.name, "dockswap-db");
  assertEquals(discovery.max_line_bytes, 1024 * 1024);
  assertEquals(discovery.methods.map((m) => m.name), [
    ...OPERATIONS.keys(),
    "ping",
    "rpc.discover",
  ]);
  for (const method of discovery.methods) {
    assertEquals(method.params.type, "object", method.name);
    assertEquals(method.params.additionalProperties, false, method.name);
    assert(method.summary.length > 0, method.name);
    assert(typeof method.result === "object", method.name);
    const operation = OPERATIONS.get(method.name);
    assertEquals(method.access, operation ? operation.access : "none");
  }
  const add = discovery.methods.find((m) => m.name === "config.add")!;
  assertEquals(add.params.required, ["config_yaml"]);
  assertEquals(Object.keys(add.params.properties as object).sort(), ["app_name", "config_yaml"]);
  const get = discovery.methods.find((m) => m.name === "config.get")!;
  assertEquals((get.params.properties as Record<string, { type: string }>).id.type, "integer");
  // Rules across parameters are in the schema too, not only enforced.
  const event = discovery.methods.find((m) => m.name === "deploy.event")!;
  assertEquals(event.params.oneOf, [
    { properties: { deployment_id: true }, required: ["deployment_id"] },
    { properties: { app_name: true }, required: ["app_name"] },
  ]);
  const start = discovery.methods.find((m) => m.name === "deploy.start")!;
  assertEquals(start.params.not, {
    properties: { config_yaml: true, config_id: true },
    required: ["config_yaml", "config_id"],
  });
});

Deno.test("rpc: ids of every type come back unchanged, byte for byte", async () => {
  await using dir = await tempDir();
  const ids = [
    '"abc"',
    '""',
    '"\\u2028 é \\" x"',
    "0",
    "-7",
    "3.25",
    "12345678901234567890",
    "1E+2",
    "null",
  ];
  const input = ids.map((id) => `{"jsonrpc":"2.0","id":${id},"method":"ping"}\n`).join("");
  const result = await rpcOnce(`${dir.path}/d.db`, input);
  assertEquals(result.code, 0);
  assertEquals(result.lines.length, ids.length);
  for (const [i, id] of ids.entries()) {
    assertEquals(result.lines[i], `{"jsonrpc":"2.0","id":${id},"result":{}}`);
  }
  // The same holds for errors.
  const failed = await rpcOnce(
    `${dir.path}/d.db`,
    `{"jsonrpc":"2.0","id":98765432109876543210,"method":"x"}\n`,
  );
  assertMatch(failed.lines[0], /^\{"jsonrpc":"2\.0","id":98765432109876543210,"error":/);
});

Deno.test("rpc: notifications run and are never answered, even when they fail", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const result = await rpcOnce(
    db,
    [
      notification("config.add", { config_yaml: webApi }),
      notification("config.add", { config_yaml: "name: [" }),
      notification("no.such.method"),
      notification("config.get", { app_name: "web-api", bogus: true }),
      notification("ping"),
      request(1, "config.history", { app_name: "web-api" }),
    ].join("\n") + "\n",
  );
  assertEquals(result.code, 0);
  assertEquals(result.lines.length, 1);
  const response = JSON.parse(result.lines[0]) as RpcResponse;
  assertEquals(response.id, 1);
  assertEquals((response.result as unknown[]).length, 1);
  assertEquals(query(db, "SELECT app_name FROM app_configs"), [{ app_name: "web-api" }]);
  // Failed notifications are noted on stderr for people, never on stdout.
  assertStringIncludes(result.stderr, "notification config.add failed");
  assertStringIncludes(result.stderr, "notification no.such.method failed");
});

Deno.test("rpc: a batch is answered by one array, in order, without its notifications", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const batch = `[${
    [
      request("a", "config.add", { config_yaml: webApi }),
      notification("config.add", { config_yaml: worker }),
      request("b", "config.add", { config_yaml: "name: [" }),
      "42",
      `{"jsonrpc":"2.0","id":"c","method":"nope"}`,
      request("d", "config.history", { app_name: "worker" }),
      `{"jsonrpc":"2.0","id":"e"}`,
      request("f", "ping"),
    ].join(",")
  }]`;
  const allNotifications = `[${notification("ping")},${
    notification("config.add", { config_yaml: billing })
  }]`;
  const result = await rpcOnce(db, `${batch}\n${allNotifications}\n${request(9, "ping")}\n`);
  assertEquals(result.code, 0);
  assertEquals(result.lines.length, 2, result.stdout);
  const answers = JSON.parse(result.lines[0]) as RpcResponse[];
  assertEquals(answers.map((a) => a.id), ["a", "b", null, "c", "d", "e", "f"]);
  assertEquals((answers[0].result as { created: boolean }).created, true);
  assertEquals(answers[1].error?.code, -32002);
  assertEquals(answers[1].error?.data?.code, "config_invalid");
  assertEquals(answers[2].error?.code, -32600);
  assertEquals(answers[3].error?.code, -32601);
  // The batch's notification ran before this read, inside the same transaction.
  assertEquals((answers[4].result as unknown[]).length, 1);
  assertEquals(answers[5].error?.code, -32600);
  assertEquals(answers[6].result, {});
  assertEquals(JSON.parse(result.lines[1]), { jsonrpc: "2.0", id: 9, result: {} });
  assertEquals(
    query(db, "SELECT app_name FROM app_configs ORDER BY id"),
    [{ app_name: "web-api" }, { app_name: "worker" }, { app_name: "billing" }],
  );
});

Deno.test("rpc: a failing request in a pipelined group leaves its neighbours committed", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const responses = (await rpcLines(db, [
    request(1, "config.add", { config_yaml: webApi }),
    request(2, "config.add", { config_yaml: worker, app_name: "not-worker" }),
    request(3, "config.add", { config_yaml: worker }),
    request(4, "config.get", { app_name: "nobody" }),
    `[${request(5, "config.add", { config_yaml: billing })},${
      request(6, "config.add", { config_yaml: "{" })
    },${request(7, "config.add", { config_yaml: webApiV2 })}]`,
  ])) as (RpcResponse | RpcResponse[])[];
  const flat = responses.flat();
  assertEquals(flat.map((r) => r.id), [1, 2, 3, 4, 5, 6, 7]);
  assertEquals(flat.map((r) => r.error?.data?.code ?? "ok"), [
    "ok",
    "config_invalid",
    "ok",
    "not_found",
    "ok",
    "config_invalid",
    "ok",
  ]);
  assertEquals(flat[3].error?.code, -32001);
  assertEquals(
    query(db, "SELECT id, app_name FROM app_configs ORDER BY id"),
    [
      { id: 1, app_name: "web-api" },
      { id: 2, app_name: "worker" },
      { id: 3, app_name: "billing" },
      { id: 4, app_name: "web-api" },
    ],
  );
});

/** The stable `data.code` of the protocol's own errors (README, "Error codes"). */
const DATA_CODES: Record<number, string> = {
  [-32700]: "parse_error",
  [-32600]: "invalid_request",
  [-32601]: "method_not_found",
  [-32602]: "invalid_argument",
  [-32603]: "internal",
};

function join(parts: (string | Uint8Array)[]): Uint8Array {
  const encoder = new TextEncoder();
  const chunks = parts.map((p) => typeof p === "string" ? encoder.encode(p) : p);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length + 1, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    all[offset + chunk.length] = 0x0a;
    offset += chunk.length + 1;
  }
  return all;
}

Deno.test(`rpc: ${MALFORMED.length} malformed inputs get one error each (or nothing) and change nothing`, async () => {
  assert(MALFORMED.length >= 40);
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const before = tableCounts(db);
  const result = await rpcOnce(
    db,
    join([...MALFORMED.map((c) => c.input), request("end", "ping")]),
  );
  assertEquals(result.code, 0, result.stderr);
  const lines = [...result.lines];
  assertEquals(JSON.parse(lines.pop()!), { jsonrpc: "2.0", id: "end", result: {} });
  const answered = MALFORMED.filter((c) => c.expect !== "nothing");
  assertEquals(lines.length, answered.length, result.stdout.slice(0, 2000));
  for (const [i, c] of answered.entries()) {
    const response = JSON.parse(lines[i]) as RpcResponse | RpcResponse[];
    if ("batch" in (c.expect as object)) {
      const expected = (c.expect as { batch: number[] }).batch;
      assert(Array.isArray(response), c.name);
      assertEquals(response.map((r) => r.error?.code), expected, c.name);
      assertEquals(response.map((r) => r.error?.data?.code), expected.map((n) => DATA_CODES[n]));
      continue;
    }
    const expect = c.expect as { code: number; id: string | number | null; mentions?: string };
    assert(!Array.isArray(response), c.name);
    assertEquals(response.jsonrpc, "2.0", c.name);
    assertEquals(response.id, expect.id, c.name);
    assertEquals(response.result, undefined, c.name);
    assertEquals(response.error?.code, expect.code, `${c.name}: ${response.error?.message}`);
    assert(response.error!.message.length > 0, c.name);
    if (expect.mentions) assertStringIncludes(response.error!.message, expect.mentions, c.name);
    // Every error carries a stable data.code to branch on, the protocol's own included.
    assertMatch(String(response.error?.data?.code), /^[a-z_]+$/, c.name);
    if (DATA_CODES[expect.code]) {
      assertEquals(response.error?.data?.code, DATA_CODES[expect.code], c.name);
    }
  }
  assertEquals(tableCounts(db), before);
});

Deno.test("rpc: each malformed input alone is answered alone by a live coprocess", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await using server = new RpcProcess(db);
  assertEquals((await server.call("first", "ping")).result, {});
  const before = tableCounts(db);
  for (const c of MALFORMED.filter((c) => typeof c.input === "string" && c.expect !== "nothing")) {
    await server.write(c.input + "\n");
    const line = await server.readLine();
    assert(line !== undefined, c.name);
    const response = JSON.parse(line);
    const code = Array.isArray(response) ? response[0].error.code : response.error.code;
    assert(code <= -32000, c.name);
  }
  assertEquals((await server.call("alive", "ping")).result, {});
  const { code, rest } = await server.close();
  assertEquals(code, 0);
  assertEquals(rest, []);
  assertEquals(tableCounts(db), before);
});

Deno.test("rpc: a coprocess gets each response before it sends the next request", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await using server = new RpcProcess(db);
  const added = await server.call(1, "config.add", { config_yaml: webApi });
  const config = (added.result as { config: { id: number } }).config;
  // The response means committed: another connection sees the row already.
  assertEquals(query(db, "SELECT id FROM app_configs"), [{ id: config.id }]);
  const got = await server.call(2, "config.get", { app_name: "web-api", id: config.id });
  assertEquals((got.result as { config_yaml: string }).config_yaml, webApi);
  const failed = await server.call(3, "config.get", { app_name: "web-api", id: config.id + 1 });
  assertEquals(failed.error?.data?.code, "not_found");
  const second = await server.call(4, "config.add", { config_yaml: webApiV2 });
  assertEquals((second.result as { created: boolean }).created, true);
  const { code, rest, stderr } = await server.close();
  assertEquals(code, 0);
  assertEquals(rest, []);
  assertEquals(stderr, "");
});

Deno.test("rpc: SIGTERM finishes the open commit, answers what was committed and exits", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await using server = new RpcProcess(db);
  assertEquals((await server.call(0, "ping")).result, {});
  const requests = Array.from(
    { length: 300 },
    (_, i) => request(i + 1, "config.add", { config_yaml: configFor(`app-${i + 1}`) }),
  );
  await server.write(requests.join("\n") + "\n");
  // Let at least one group commit, then stop the server mid-stream.
  const first = JSON.parse((await server.readLine())!) as RpcResponse;
  assertEquals(first.id, 1);
  Deno.kill(server.pid, "SIGTERM");
  const { code, rest } = await server.finish();
  assertEquals(code, 143);
  const answered = [first, ...rest.map((line) => JSON.parse(line) as RpcResponse)];
  // Every answer is a success for a committed row, and every committed row was answered.
  for (const response of answered) ok(response);
  const stored = query<{ app_name: string }>(db, "SELECT app_name FROM app_configs ORDER BY id");
  assertEquals(stored.map((row) => row.app_name), answered.map((r) => `app-${r.id}`));
});

Deno.test("rpc: SIGINT on an idle server exits at once with status 130", async () => {
  await using dir = await tempDir();
  await using server = new RpcProcess(`${dir.path}/d.db`);
  assertEquals((await server.call(1, "ping")).result, {});
  Deno.kill(server.pid, "SIGINT");
  const { code, rest } = await server.finish();
  assertEquals(code, 130);
  assertEquals(rest, []);
});

Deno.test("rpc: one-shot pipe use, a last line without newline, and an empty input", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const oneShot = await rpcOnce(db, request(1, "config.add", { config_yaml: webApi }));
  assertEquals(oneShot.code, 0);
  assertEquals(oneShot.lines.length, 1);
  assertEquals((JSON.parse(oneShot.lines[0]).result as { created: boolean }).created, true);
  const crlf = await rpcOnce(db, `${request(2, "ping")}\r\n\r\n\n${request(3, "ping")}\r\n`);
  assertEquals(crlf.lines.map((l) => JSON.parse(l).id), [2, 3]);
  const empty = await rpcOnce(db, "");
  assertEquals(empty, { code: 0, stdout: "", stderr: "", lines: [] });
});

Deno.test("rpc: a database that cannot be opened fails the command before serving", async () => {
  await using dir = await tempDir();
  const result = await rpcOnce(dir.path, request(1, "ping") + "\n");
  assertEquals(result.code, 8);
  assertEquals(result.stdout, "");
  assertStringIncludes(result.stderr, "is a directory");
});

Deno.test("rpc: a 16 MiB line is discarded with one error, and serving goes on", async () => {
  await using dir = await tempDir();
  const ping = new TextEncoder().encode(request(1, "ping") + "\n");
  const input = new Uint8Array(16 * 1024 * 1024 + 1 + ping.length).fill(0x20);
  input[16 * 1024 * 1024] = 0x0a;
  input.set(ping, 16 * 1024 * 1024 + 1);
  const result = await rpcOnce(`${dir.path}/d.db`, input);
  assertEquals(result.code, 0);
  assertEquals(result.lines.length, 2);
  const [error, pong] = result.lines.map((line) => JSON.parse(line) as RpcResponse);
  assertEquals(error.id, null);
  assertEquals(error.error?.code, -32700);
  assertEquals(error.error?.data, {
    code: "parse_error",
    reason: "line_too_long",
    max_line_bytes: 1048576,
  });
  assertEquals(pong, { jsonrpc: "2.0", id: 1, result: {} });
});
