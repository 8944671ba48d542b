/** The operations commands on history written by the real lifecycle commands. */
import { assert, assertEquals } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { makeGoDockswapDb } from "../fixtures/make_go_dockswap_db.ts";

const SUCCESS = [
  "container_started",
  "health_check_passed",
  "caddy_updated",
  "drain_complete",
  "container_stopped",
];

async function start(db: string, app: string, image: string): Promise<number> {
  const file = `${FIXTURES}apps/${app}.yaml`;
  const result = await cliJson<{ deployment: { id: number } }>(db, [
    "deploy",
    "start",
    app,
    "--image",
    image,
    "--config",
    file,
  ]);
  return result.deployment.id;
}

async function events(db: string, id: number, names: string[]): Promise<void> {
  for (const name of names) {
    const result = await cli(["--db", db, "deploy", "event", String(id), name]);
    assertEquals(result.code, 0, result.stderr);
  }
}

Deno.test("incremental export of lifecycle history: a deployment goes out once, when it has ended", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const cursor = `${dir.path}/c.json`;
  const seen: { kind: string; id?: number; status?: string }[] = [];
  const run = async () => {
    const result = await cli(["--db", db, "export", "--cursor", cursor]);
    assertEquals(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
    seen.push(...lines.filter((l) => l.kind !== "state"));
    return lines;
  };
  const first = await start(db, "web-api", "web-api:1");
  await events(db, first, SUCCESS.slice(0, 2));
  const one = await run();
  assertEquals(one.filter((l) => l.kind === "deployment").length, 0, "in flight: held back");
  // Its events wait with it: no file may hold an event before its deployment row.
  assertEquals(one.filter((l) => l.kind === "event").length, 0, "its events: held back");

  await events(db, first, SUCCESS.slice(2));
  const second = await start(db, "worker", "worker:1");
  const two = await run();
  assertEquals(
    two.filter((l) => l.kind === "deployment").map((l) => [l.id, l.status]),
    [[first, "success"]],
  );
  assert(two.filter((l) => l.kind === "event").every((l) => l.deployment_id === first));
  await events(db, second, ["container_failed"]);
  const three = await run();
  assertEquals(
    three.filter((l) => l.kind === "deployment").map((l) => [l.id, l.status]),
    [[second, "failed"]],
  );
  for (
    const [kind, table] of [["deployment", "deployments"], ["event", "deployment_events"], [
      "config",
      "app_configs",
    ]]
  ) {
    const ids = seen.filter((l) => l.kind === kind).map((l) => l.id);
    assertEquals(new Set(ids).size, ids.length, `${kind} repeated`);
    assertEquals(
      ids.toSorted((a, b) => a! - b!),
      query<{ id: number }>(db, `SELECT id FROM ${table} ORDER BY id`).map((r) => r.id),
    );
  }
  const doctor = await cli(["--db", db, "doctor"]);
  assertEquals(doctor.code, 0, doctor.stdout);
});

Deno.test("an adopted Go database works with the lifecycle: recover ends the stuck deployment", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  const stuck = await cli(["--db", db, "--json", "doctor"]);
  assertEquals(stuck.code, 1);
  const adopted = await cli(["--db", db, "recover", "worker"]);
  assertEquals(adopted.code, 0, adopted.stderr);
  assert(adopted.stderr.includes("Adopted Go dockswap database"));
  const doctor = await cli(["--db", db, "doctor"]);
  assertEquals(doctor.code, 0, doctor.stdout);
  // The adopted history reads like any other, and the app deploys again.
  const history = await cliJson<unknown[]>(db, ["history", "web-api"]);
  assertEquals(history.length, 2);
  const next = await start(db, "web-api", "web-api:4");
  await events(db, next, SUCCESS);
  assertEquals((await cli(["--db", db, "doctor"])).code, 0);
});
