/**
 * A JSON-RPC 2.0 client library nobody on the project wrote (npm:json-rpc-2.0) drives the real
 * stdio server through pipes: results arrive, and every error, the protocol's own included,
 * carries the `data.code` the README tells clients to branch on.
 */
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from "json-rpc-2.0";
import { assert, assertEquals } from "../_assert.ts";
import { FIXTURES, tempDir } from "../_cli.ts";
import { RpcProcess } from "../_rpc.ts";

const webApi = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`);

/** A client whose requests go to `server`'s stdin and whose responses come from its stdout. */
function connect(server: RpcProcess): { client: JSONRPCClient; reading: Promise<void> } {
  const client = new JSONRPCClient((payload) => server.write(JSON.stringify(payload) + "\n"));
  const reading = (async () => {
    for (let line = await server.readLine(); line !== undefined; line = await server.readLine()) {
      client.receive(JSON.parse(line) as JSONRPCResponse | JSONRPCResponse[]);
    }
  })();
  return { client, reading };
}

/** The error a request was refused with. */
async function refusal(work: PromiseLike<unknown>): Promise<JSONRPCErrorException> {
  try {
    await work;
  } catch (error) {
    assert(error instanceof JSONRPCErrorException, String(error));
    return error;
  }
  throw new Error("expected the request to be refused");
}

Deno.test("json-rpc-2.0 client: results and errors, each error with its data.code", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await using server = new RpcProcess(db);
  const { client, reading } = connect(server);

  assertEquals(await client.request("ping", undefined), {});
  const added = await client.request("config.add", { config_yaml: webApi });
  assertEquals(added.created, true);
  assertEquals((await client.request("config.get", { app_name: "web-api" })).config_yaml, webApi);

  const notFound = await refusal(client.request("config.get", { app_name: "nobody" }));
  assertEquals([notFound.code, notFound.data?.code], [-32001, "not_found"]);
  const badName = await refusal(client.request("state.get", { app_name: "caf\u00e9" }));
  assertEquals([badName.code, badName.data?.code], [-32602, "invalid_argument"]);
  const startEvent = await refusal(
    client.request("deploy.event", { app_name: "web-api", event_type: "deploy" }),
  );
  assertEquals([startEvent.code, startEvent.data?.code], [-32602, "invalid_argument"]);
  const unknown = await refusal(client.request("no.such", {}));
  assertEquals([unknown.code, unknown.data?.code], [-32601, "method_not_found"]);

  // A request the library sends as written: a misspelt member makes it invalid.
  const invalid = await client.requestAdvanced(
    { jsonrpc: "2.0", id: 900, method: "ping", parms: {} } as never,
  );
  assertEquals(invalid.id, 900);
  assertEquals([invalid.error?.code, invalid.error?.data?.code], [-32600, "invalid_request"]);

  // A batch: one response per request, each matched by id.
  const batch = await client.requestAdvanced([
    { jsonrpc: "2.0", id: 901, method: "ping" },
    { jsonrpc: "2.0", id: 902, method: "state.get", params: { app_name: "-dash" } },
  ]);
  assertEquals(batch.map((r) => [r.id, r.error?.data?.code ?? "ok"]), [
    [901, "ok"],
    [902, "invalid_argument"],
  ]);

  // A notification is never answered, even when it fails; the next request still is.
  client.notify("no.such", {});
  assertEquals(await client.request("ping", undefined), {});

  const { code, rest, stderr } = await server.close();
  await reading;
  assertEquals(code, 0, stderr);
  assertEquals(rest, []);
});
