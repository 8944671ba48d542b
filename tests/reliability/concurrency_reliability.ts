/**
 * Concurrency: four processes write at once, each to its own app and all to one shared app,
 * starting on a file that does not exist yet (so they also race to create and migrate it).
 * No "database is locked" may reach a user, no app may ever have two deployments in flight,
 * and every answered write must be in the file.
 */
import { assert, assertEquals } from "../_assert.ts";
import { cli, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { RpcProcess, type RpcResponse } from "../_rpc.ts";
import {
  type Answer,
  configFor,
  deploymentRequests,
  doctorFailures,
  missingAnswers,
  Prng,
  problemsIn,
  requireNone,
  sleep,
  suiteSeed,
} from "./_support.ts";

const WRITERS = 4;
const SHARED = "shared";

/** Errors a concurrent writer may legitimately get: the shared app is busy with another's deployment. */
const EXPECTED_REFUSALS = new Set(["deploy_in_progress", "app_failed"]);

/** One writer: a coprocess that records what it asked and what it was answered. */
class Writer {
  readonly answers: Answer[] = [];
  #seq = 0;

  constructor(readonly index: number, readonly server: RpcProcess, readonly rng: Prng) {}

  nextId(): string {
    return `w${this.index}-${this.#seq++}`;
  }

  /** Sends one request and waits for its answer. */
  async call(method: string, params: Record<string, unknown>): Promise<RpcResponse> {
    const response = await this.server.call(this.nextId(), method, params);
    this.answers.push({ request: { method, params }, response });
    return response;
  }

  /** Writes request lines without waiting, then reads one answer per line. */
  async pipeline(lines: string[]): Promise<RpcResponse[]> {
    await this.server.write(lines.map((l) => l + "\n").join(""));
    const responses: RpcResponse[] = [];
    for (const sent of lines) {
      const text = await this.server.readLine();
      if (text === undefined) throw new Error(`writer ${this.index}: server ended early`);
      const response = JSON.parse(text) as RpcResponse;
      responses.push(response);
      this.answers.push({ request: JSON.parse(sent), response });
    }
    return responses;
  }
}

/** Own app: a config and four deployments, pipelined by half the writers, call by call by the rest. */
async function ownApp(writer: Writer): Promise<void> {
  const app = `own-${writer.index}`;
  const lines = [
    JSON.stringify({
      jsonrpc: "2.0",
      id: writer.nextId(),
      method: "config.add",
      params: { config_yaml: configFor(app) },
    }),
  ];
  for (let d = 0; d < 4; d++) {
    lines.push(...deploymentRequests(writer.rng, app, `${app}:${d}`, () => writer.nextId()));
  }
  if (writer.index % 2 === 0) {
    await writer.pipeline(lines);
    return;
  }
  for (const text of lines) {
    const { method, params } = JSON.parse(text);
    await writer.call(method, params);
  }
}

/** Shared app: try to deploy it; when another writer's deployment holds it, wait and retry. */
async function sharedApp(writer: Writer): Promise<number> {
  await writer.call("config.add", { config_yaml: configFor(SHARED) });
  let mine = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const start = await writer.call("deploy.start", {
      app_name: SHARED,
      image: `shared:w${writer.index}.${attempt}`,
    });
    if (start.error) {
      await sleep(writer.rng.int(1, 15));
      continue;
    }
    mine++;
    const id = (start.result as { deployment: { id: number } }).deployment.id;
    // Drive it to the end with events addressed by deployment id, never by app name.
    let n = 0;
    const events = deploymentRequests(writer.rng, SHARED, "unused", () => `${n++}`).slice(1);
    for (const text of events) {
      const { method, params } = JSON.parse(text);
      const byId = method === "deploy.event"
        ? { deployment_id: id, event_type: params.event_type, payload: params.payload }
        : params;
      await writer.call(method, byId);
    }
  }
  return mine;
}

Deno.test("concurrency: four rpc writers at once, own apps and one shared app, on a fresh file", async () => {
  const seed = suiteSeed("concurrency");
  await using dir = await tempDir();
  const db = `${dir.path}/concurrent.db`;
  const writers = Array.from(
    { length: WRITERS },
    (_, i) => new Writer(i, new RpcProcess(db), new Prng(seed + i)),
  );
  let started = 0;
  try {
    // One coprocess answers in order, so each writer does one thing at a time; half start on
    // the shared app and half on their own, so both kinds of write overlap.
    const results = await Promise.all(writers.map(async (writer) => {
      if (writer.index < WRITERS / 2) {
        const mine = await sharedApp(writer);
        await ownApp(writer);
        return mine;
      }
      await ownApp(writer);
      return await sharedApp(writer);
    }));
    started = results.reduce((a, b) => a + b, 0);
  } finally {
    for (const writer of writers) {
      const end = await writer.server.close();
      assertEquals(end.code, 0, `writer ${writer.index} exit status; stderr: ${end.stderr}`);
      assert(!/locked|busy/i.test(end.stderr), `writer ${writer.index} stderr: ${end.stderr}`);
    }
  }
  const answers = writers.flatMap((w) => w.answers);
  const unexpected = answers.filter(({ request, response }) => {
    if (!response.error) return false;
    const code = response.error.data?.code ?? "";
    return !(request.params.app_name === SHARED && EXPECTED_REFUSALS.has(code));
  });
  requireNone(
    unexpected.map((a) => `${a.request.method}: ${JSON.stringify(a.response.error)}`),
    `seed ${seed}: errors reached a writer`,
  );
  const locked = answers.filter((a) => /locked|busy/i.test(JSON.stringify(a.response.error ?? "")));
  assertEquals(locked.length, 0, "no database is locked / database_busy reaches a user");
  requireNone(problemsIn(db), `seed ${seed}: unsound file`);
  requireNone(missingAnswers(db, answers), `seed ${seed}: answered writes missing`);
  requireNone(await doctorFailures(db), `seed ${seed}: doctor`);

  // At most one deployment of the shared app in flight at any moment: each started after the
  // previous one ended.
  const shared = query<{ id: number; started_at: string; ended_at: string | null }>(
    db,
    "SELECT id, started_at, ended_at FROM deployments WHERE app_name = ? ORDER BY id",
    SHARED,
  );
  assertEquals(shared.length, started, "every started shared deployment is in the file");
  assert(started >= 1, "at least one shared deployment started");
  for (let i = 1; i < shared.length; i++) {
    const previous = shared[i - 1];
    assert(
      previous.ended_at !== null && shared[i].started_at >= previous.ended_at,
      `deployment ${shared[i].id} started at ${shared[i].started_at} while ${previous.id} ` +
        `was in flight (ended ${previous.ended_at})`,
    );
  }
  console.log(
    `[concurrency] ${answers.length} answers, ${started} shared deployments, ` +
      `${answers.length - unexpected.length - answers.filter((a) => !a.response.error).length} ` +
      `expected refusals on the shared app`,
  );
});

Deno.test("concurrency: four one-shot CLI processes race to create the file, then to deploy one app", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/race.db`;
  const config = `${dir.path}/shared.yaml`;
  Deno.writeTextFileSync(config, configFor(SHARED));
  const adds = await Promise.all(Array.from({ length: WRITERS }, (_, i) => {
    const file = `${dir.path}/app${i}.yaml`;
    Deno.writeTextFileSync(file, configFor(`app${i}`));
    return cli(["--db", db, "config", "add", file]);
  }));
  for (const result of adds) assertEquals(result.code, 0, result.stderr);
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs"), [{ n: WRITERS }]);

  assertEquals((await cli(["--db", db, "config", "add", config])).code, 0);
  const starts = await Promise.all(
    Array.from(
      { length: WRITERS },
      (_, i) => cli(["--db", db, "deploy", "start", SHARED, "--image", `shared:${i}`]),
    ),
  );
  const codes = starts.map((r) => r.code).sort();
  assertEquals(codes, [0, 5, 5, 5], starts.map((r) => r.stderr).join(""));
  for (const refused of starts.filter((r) => r.code !== 0)) {
    assert(/\[deploy_in_progress\]/.test(refused.stderr), refused.stderr);
    assert(!/locked|busy/i.test(refused.stderr), refused.stderr);
  }
  requireNone(problemsIn(db), "unsound file");
  assertEquals(
    query(db, "SELECT count(*) AS n FROM deployments WHERE status = 'in_progress'"),
    [{ n: 1 }],
  );
});
