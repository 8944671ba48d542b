/**
 * A refusal's hints in each surface's words: over JSON-RPC by parameter and method names (and as
 * data in error.data.hints), never a flag or a shell command; on the CLI by its flags and
 * command lines. The same refusals, through the real server and the real CLI.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";

const WEB_API = `${FIXTURES}apps/web-api.yaml`;

/** What no RPC message may hold: a flag, a dockswap-db command line, the old pairing. */
function assertNoCliWords(message: string): void {
  assert(!/(?<![\w-])--[a-z]/.test(message), `a flag in: ${message}`);
  assert(!message.includes("dockswap-db "), `a command line in: ${message}`);
  assert(!message.includes("over RPC"), message);
}

Deno.test("an app in flight: RPC names deploy.event and deploy.recover, the CLI their commands", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  await cliJson(db, ["deploy", "start", "web-api", "--image", "w:1"]);
  const [again, stable] = await rpcLines(db, [
    request(1, "deploy.start", { app_name: "web-api", image: "w:2" }),
    request(2, "state.get", { app_name: "nobody" }),
  ]) as RpcResponse[];
  assertEquals(again.error?.data?.code, "deploy_in_progress");
  const message = again.error!.message;
  assertNoCliWords(message);
  assertStringIncludes(message, "method deploy.event (deployment_id=1, event_type)");
  assertStringIncludes(message, 'method deploy.recover (app_name="web-api")');
  assertEquals(again.error?.data?.hints, [
    { method: "deploy.event", params: { deployment_id: 1, event_type: null } },
    { method: "deploy.recover", params: { app_name: "web-api" } },
  ]);
  assertNoCliWords(stable.error!.message);
  assertEquals(stable.error?.data?.hints, [{ method: "state.list", params: {} }]);

  const viaCli = await cli(["--db", db, "deploy", "start", "web-api", "--image", "w:2"]);
  assertEquals(viaCli.code, 5);
  assertStringIncludes(viaCli.stderr, `"dockswap-db deploy event 1 EVENT"`);
  assertStringIncludes(viaCli.stderr, `"dockswap-db recover web-api"`);
  const unknown = await cli(["--db", db, "status", "nobody"]);
  assertStringIncludes(unknown.stderr, `see "dockswap-db status"`);
});

Deno.test("a color a live app cannot take: RPC names color, the CLI --color", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  await cliJson(db, ["deploy", "start", "web-api", "--image", "w:1"]);
  for (const event of ["container_started", "health_check_passed", "caddy_updated"]) {
    await cliJson(db, ["deploy", "event", "--app", "web-api", event]);
  }
  await cliJson(db, ["deploy", "event", "--app", "web-api", "drain_complete"]);
  await cliJson(db, ["deploy", "event", "--app", "web-api", "container_stopped"]);
  const [refused, stableEvent] = await rpcLines(db, [
    request(1, "deploy.start", { app_name: "web-api", image: "w:2", color: "blue" }),
    request(2, "deploy.event", { app_name: "web-api", event_type: "container_started" }),
  ]) as RpcResponse[];
  assertEquals(refused.error?.data?.code, "invalid_argument");
  assertNoCliWords(refused.error!.message);
  assertStringIncludes(refused.error!.message, "Omit the color (color)");
  assertEquals(refused.error?.data?.hints, [{ param: "color" }]);
  assertEquals(refused.error?.data?.active_color, "blue");
  assertNoCliWords(stableEvent.error!.message);
  assertStringIncludes(
    stableEvent.error!.message,
    'method deploy.start (app_name="web-api", image)',
  );

  const viaCli = await cli([
    "--db",
    db,
    "deploy",
    "start",
    "web-api",
    "--image",
    "w:2",
    "--color",
    "blue",
  ]);
  assertEquals(viaCli.code, 2);
  assertStringIncludes(viaCli.stderr, "Omit the color (--color COLOR)");
  const event = await cli(["--db", db, "deploy", "event", "--app", "web-api", "container_started"]);
  assertStringIncludes(event.stderr, `"dockswap-db deploy start web-api --image IMAGE"`);
});

Deno.test("a file that is not a database: the CLI says --db; the server is started on the file", async () => {
  await using dir = await tempDir();
  const folder = `${dir.path}/folder`;
  await Deno.mkdir(folder);
  // The server opens its database before it reads a request: the refusal is the command line's.
  const server = await cli(["--db", folder, "rpc"], { stdin: request(1, "ping") + "\n" });
  assertEquals(server.code, 8);
  assertStringIncludes(server.stderr, "path is a directory; pass a file path with --db");
  const status = await cli(["--db", folder, "status"]);
  assertStringIncludes(status.stderr, "path is a directory; pass a file path with --db");
});
