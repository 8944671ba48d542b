/** Edges a shell user meets: closed pipes, mistyped paths, numbers JSON cannot carry, diffs by id. */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, cliJson, commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";
import { tableCounts } from "../_db.ts";

const WORKER = `${FIXTURES}apps/worker.yaml`;

Deno.test("a reader that closes the pipe early is not an error", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const text = await Deno.readTextFile(WORKER);
  for (let i = 0; i < 40; i++) {
    await cliJson(db, ["config", "add", "-"], { stdin: text.replace("jobs", `jobs-${i}`) });
  }
  // `sh -c 'dockswap-db ... | true'`: the reader exits without reading.
  const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
  const command = [EXECUTABLE, ...commandLine(), "--db", db, "config", "history", "worker"]
    .map(quote).join(" ");
  const shell = await new Deno.Command("bash", {
    args: ["-c", `${command} | true; exit \${PIPESTATUS[0]}`],
    env: cleanEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(shell.stderr);
  assertEquals(shell.code, 0, stderr);
  assert(!stderr.includes("internal error"), stderr);
});

Deno.test("reads of a missing database say so and create nothing", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/typo/d.db`;
  for (
    const args of [["status"], ["history", "web-api"], ["config", "history", "web-api"], [
      "migrate",
      "status",
    ]]
  ) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, 3, `${args.join(" ")}: ${result.stderr}`);
    assertStringIncludes(result.stderr, "No database at");
    assertEquals(result.stdout, "");
  }
  assertEquals([...Deno.readDirSync(dir.path)], []);
  await cliJson(db, ["config", "add", WORKER]);
  assertEquals((await cli(["--db", db, "status"])).code, 0);
});

Deno.test("payload integers beyond 2^53 are refused, not silently rounded", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  await cliJson(db, ["deploy", "start", "worker", "--image", "w:1"]);
  const before = tableCounts(db);
  const huge = await cli([
    "--db",
    db,
    "deploy",
    "event",
    "--app",
    "worker",
    "container_started",
    "--payload",
    '{"big":123456789012345678901234567890}',
  ]);
  assertEquals(huge.code, 2, huge.stderr);
  assertStringIncludes(huge.stderr, "payload.big");
  const [response] = await rpcLines(db, [
    request(1, "deploy.event", {
      app_name: "worker",
      event_type: "container_started",
      payload: { list: [1, 2, 9007199254740993] },
    }),
  ]) as RpcResponse[];
  assertEquals(response.error?.code, -32602);
  assertStringIncludes(response.error!.message, "payload.list[2]");
  assertEquals(tableCounts(db), before);
  const exact = await cliJson<{ event: { payload: unknown } }>(db, [
    "deploy",
    "event",
    "--app",
    "worker",
    "container_started",
    "--payload",
    '{"max":9007199254740991,"ratio":0.25}',
  ]);
  assertEquals(exact.event.payload, { max: 9007199254740991, ratio: 0.25 });
});

Deno.test("a payload number too large for a double (1e400) is named where it is, at any depth", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  await cliJson(db, ["deploy", "start", "worker", "--image", "w:1"]);
  const before = tableCounts(db);
  // JSON.parse reads these as ±Infinity: the message must name the number, not the payload's type.
  const cases: [string, string][] = [
    ["1e400", "payload is"],
    ["[1, -1e400]", "payload[1] is"],
    ['{"a":{"b":[1e400]}}', "payload.a.b[0] is"],
  ];
  for (const [payload, where] of cases) {
    const result = await cli([
      "--db",
      db,
      "deploy",
      "event",
      "--app",
      "worker",
      "container_started",
      "--payload",
      payload,
    ]);
    assertEquals(result.code, 2, result.stderr);
    assertStringIncludes(result.stderr, where);
    assertStringIncludes(result.stderr, "send it as a string");
    const line = `{"jsonrpc":"2.0","id":1,"method":"deploy.event","params":{"app_name":"worker",` +
      `"event_type":"container_started","payload":${payload}}}`;
    const [response] = await rpcLines(db, [line]) as RpcResponse[];
    assertEquals(response.error?.code, -32602);
    assertStringIncludes(response.error!.message, where);
  }
  assertEquals(tableCounts(db), before);
});

Deno.test("config.diff with only to_id compares that version with the one before it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const text = await Deno.readTextFile(WORKER);
  const ids: number[] = [];
  for (const queue of ["a", "b", "c"]) {
    const added = await cliJson<{ config: { id: number } }>(db, ["config", "add", "-"], {
      stdin: text.replace("jobs", queue),
    });
    ids.push(added.config.id);
  }
  const [middle, first] = await rpcLines(db, [
    request(1, "config.diff", { app_name: "worker", to_id: ids[1] }),
    request(2, "config.diff", { app_name: "worker", to_id: ids[0] }),
  ]) as RpcResponse[];
  const result = middle.result as { from_id: number; to_id: number; diff: string };
  assertEquals([result.from_id, result.to_id], [ids[0], ids[1]]);
  assertStringIncludes(result.diff, '-    QUEUE: "a"');
  assertEquals(first.error?.data?.code, "not_found");
});

Deno.test("an endless config file is refused at the size cap without being read whole", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const result = await cli(["--db", db, "config", "add", "/dev/zero"]);
  assertEquals(result.code, 4, result.stderr);
  assertStringIncludes(result.stderr, "larger than 1048576 bytes");
  assertEquals([...Deno.readDirSync(dir.path)], []);
});

Deno.test("deploy event --app without the event says the event is missing", async () => {
  await using dir = await tempDir();
  const result = await cli(["--db", `${dir.path}/d.db`, "deploy", "event", "--app", "web-api"]);
  assertEquals(result.code, 2, result.stderr);
  assertStringIncludes(result.stderr, "Give the event: deploy event --app web-api EVENT");
  assert(!result.stderr.includes("deployment_id"), result.stderr);
});

Deno.test("a --db that is a device is refused as such, not as a full disk", async () => {
  for (const args of [["status"], ["config", "add", WORKER]]) {
    const result = await cli(["--db", "/dev/null", ...args]);
    assertEquals(result.code, 8, result.stderr);
    assertStringIncludes(result.stderr, "not a regular file");
  }
});

Deno.test("invalid arguments are named as each surface names them", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const cliError = await cli(["--db", db, "deploy", "start", "worker", "--image", "has space"]);
  assertEquals(cliError.code, 2);
  assertStringIncludes(cliError.stderr, "Invalid --image: ");
  const event = await cli(["--db", db, "deploy", "event", "1", "teleported"]);
  assertStringIncludes(event.stderr, "Invalid EVENT: ");
  const [rpc] = await rpcLines(db, [
    request(1, "deploy.start", { app_name: "worker", image: "has space" }),
  ]) as RpcResponse[];
  assertStringIncludes(rpc.error!.message, "Invalid parameters for deploy.start: image: ");
  // A hint that needs a parameter names it for both: one success, nothing to roll back to.
  const happy = ["container_started", "health_check_passed", "caddy_updated", "drain_complete"];
  const answers = await rpcLines(db, [
    request(1, "deploy.start", { app_name: "worker", image: "worker:1" }),
    ...[...happy, "container_stopped"].map((event_type, i) =>
      request(i + 2, "deploy.event", { app_name: "worker", event_type })
    ),
    request(9, "deploy.rollback", { app_name: "worker" }),
  ]) as RpcResponse[];
  const rollback = answers.at(-1)!;
  assertEquals(rollback.error?.data?.code, "not_found");
  // Over RPC by its parameter name (and as data), never by a flag; on the CLI by its flag.
  assertStringIncludes(rollback.error!.message, "name the deployment (to_deployment_id)");
  assertEquals(rollback.error?.data?.hints, [{ param: "to_deployment_id" }]);
  assert(!rollback.error!.message.includes("--"), rollback.error!.message);
  const viaCli = await cli(["--db", db, "rollback", "worker"]);
  assertEquals(viaCli.code, 3);
  assertStringIncludes(viaCli.stderr, "name the deployment (--to DEPLOYMENT_ID)");
  assert(!viaCli.stderr.includes("over RPC"), viaCli.stderr);
});

Deno.test("a lone UTF-16 surrogate is refused where it would be stored as something else", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  await cliJson(db, ["deploy", "start", "worker", "--image", "worker:1"]);
  const before = tableCounts(db);
  const answers = await rpcLines(db, [
    request(1, "deploy.event", {
      app_name: "worker",
      event_type: "container_started",
      payload: { ok: ["fine", "half \ud800 a pair"] },
    }),
    request(2, "deploy.recover", { app_name: "worker", reason: "\udc00" }),
  ]) as RpcResponse[];
  assertEquals(answers[0].error?.data?.code, "invalid_argument");
  assertStringIncludes(answers[0].error!.message, "payload.ok[1]: holds a lone UTF-16 surrogate");
  assertStringIncludes(answers[1].error!.message, "reason: holds a lone UTF-16 surrogate");
  const cliError = await cli([
    "--db",
    db,
    "deploy",
    "event",
    "--app",
    "worker",
    "container_started",
    "--payload",
    '{"\\ud800": 1}',
  ]);
  assertEquals(cliError.code, 2);
  assertStringIncludes(cliError.stderr, "Invalid --payload: holds a lone UTF-16 surrogate");
  assertEquals(tableCounts(db), before);
  // A surrogate pair is text, and is stored and answered as sent.
  const [pair] = await rpcLines(db, [
    request(3, "deploy.event", {
      app_name: "worker",
      event_type: "container_started",
      payload: "\ud83d\ude80",
    }),
  ]) as { result: { event: { payload: string } } }[];
  assertEquals(pair.result.event.payload, "🚀");
});

Deno.test("an empty file argument (an unset variable) is a usage error, and nothing is written", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const before = tableCounts(db);
  const commands = [
    ["config", "add", ""],
    ["config", "check", ""],
    ["deploy", "start", "worker", "--image", "w:1", "--config", ""],
    ["backup", ""],
    ["export", "--output", ""],
    ["export", "--cursor", "", "--output", `${dir.path}/out.ndjson`],
  ];
  for (const args of commands) {
    const result = await cli(["--db", db, ...args], { cwd: dir.path });
    assertEquals(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assertStringIncludes(result.stderr, "empty", args.join(" "));
  }
  assertEquals(tableCounts(db), before);
  const written = [...Deno.readDirSync(dir.path)].map((entry) => entry.name);
  assertEquals(written.filter((name) => !name.startsWith("d.db")), []);
});

Deno.test("an id beyond 2^53 - 1 is told the largest accepted, not that it is not a positive integer", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  for (const args of [["events", "99999999999999999999"], ["show", "9007199254740992"]]) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, 2, result.stderr);
    assertStringIncludes(result.stderr, "at most 9007199254740991");
  }
});

Deno.test("a mistyped choice (--status, --format, --color, --table) gets a 'did you mean'", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const cases: [string[], string][] = [
    [["history", "worker", "--status", "sucess"], "did you mean success?"],
    [["status", "--format", "jsn"], "did you mean json?"],
    [["deploy", "start", "worker", "--image", "w:1", "--color", "gren"], "did you mean green?"],
    [["export", "--table", "event"], "did you mean events?"],
  ];
  for (const [args, hint] of cases) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, 2, result.stderr);
    assertStringIncludes(result.stderr.replaceAll("\n", " "), hint);
  }
  assertEquals((await cli(["--db", db, "status", "--format", "jsn"])).stdout, "");
});
