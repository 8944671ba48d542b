/**
 * `deploy event` advertises exactly the events it accepts: each one in `rpc.discover`'s enum (and
 * in the CLI's help) is accepted in some state the real server reaches, found by exploring it.
 */
import { assert, assertEquals } from "../_assert.ts";
import { cli, FIXTURES, tempDir } from "../_cli.ts";
import { request, rpcOnce, type RpcResponse } from "../_rpc.ts";

const webApi = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`);

async function answers(db: string, lines: string[]): Promise<Map<string, RpcResponse>> {
  const result = await rpcOnce(db, lines.map((line) => line + "\n").join(""));
  assertEquals(result.code, 0, result.stderr);
  const byId = new Map<string, RpcResponse>();
  for (const line of result.lines) {
    const response = JSON.parse(line) as RpcResponse;
    byId.set(String(response.id), response);
  }
  return byId;
}

async function advertisedEvents(db: string): Promise<string[]> {
  const discovery = (await answers(db, [request("d", "rpc.discover")])).get("d")!.result as {
    methods: { name: string; params: { properties: Record<string, { enum?: string[] }> } }[];
  };
  const event = discovery.methods.find((m) => m.name === "deploy.event")!;
  return event.params.properties.event_type.enum!;
}

Deno.test("deploy event: every advertised event is accepted in some state the real server reaches", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const advertised = await advertisedEvents(db);
  // Breadth-first over the server's own answers: each path of accepted events is replayed on a
  // fresh app, then every advertised event is tried once in the state it reached.
  const accepted = new Set<string>();
  const reached = new Set<string>(["starting"]);
  let frontier: string[][] = [[]];
  let apps = 0;
  while (frontier.length > 0) {
    const lines: string[] = [];
    const trials: { path: string[]; event: string; id: string }[] = [];
    for (const path of frontier) {
      for (const event of advertised) {
        const app = `app-${apps++}`;
        lines.push(request(`${app}:start`, "deploy.start", {
          app_name: app,
          image: `reg/${app}:1`,
          config_yaml: webApi.replace("name: web-api", `name: ${app}`),
        }));
        for (const [step, earlier] of path.entries()) {
          lines.push(
            request(`${app}:${step}`, "deploy.event", { app_name: app, event_type: earlier }),
          );
        }
        const id = `${app}:try`;
        lines.push(request(id, "deploy.event", { app_name: app, event_type: event }));
        trials.push({ path, event, id });
      }
    }
    const byId = await answers(db, lines);
    const next: string[][] = [];
    for (const { path, event, id } of trials) {
      for (const [key, response] of byId) {
        if (key.startsWith(id.replace(":try", ":")) && !key.endsWith(":try")) {
          assertEquals(response.error, undefined, `replaying ${path.join(" ")}: ${key}`);
        }
      }
      const response = byId.get(id)!;
      if (response.error) continue;
      accepted.add(event);
      const state = (response.result as { state: { status: string } }).state.status;
      if (!reached.has(state)) {
        reached.add(state);
        next.push([...path, event]);
      }
    }
    frontier = next;
  }
  assert(reached.has("stable") && reached.has("failed"), [...reached].join(", "));
  assertEquals(advertised.filter((event) => !accepted.has(event)), []);
});

Deno.test("deploy event: --help lists exactly the events rpc.discover advertises", async () => {
  await using dir = await tempDir();
  const advertised = await advertisedEvents(`${dir.path}/d.db`);
  const help = await cli(["deploy", "event", "--help"]);
  assertEquals(help.code, 0, help.stderr);
  const listed = help.stdout.split("event: ")[1].split("\n\n")[0].split(/[\s,]+/).filter(Boolean);
  assertEquals(listed.sort(), [...advertised].sort());
  // The transition table shows only events `deploy event` takes.
  // Help wraps at 80 columns: a row may continue on the next line.
  const table = help.stdout.split(/nothing\s+written:\n/)[1].split("Terminal events")[0];
  for (const [, event] of table.matchAll(/([a-z_]+) ->\s/g)) {
    assert(advertised.includes(event), `${event} is in the help's transitions`);
  }
});
