/**
 * `events --follow`: a follower process streams what writer processes (the CLI, the RPC server)
 * commit; killed and resumed with --since-id it skips and repeats nothing; a reader closing the
 * pipe ends it; an idle follower holds no read transaction (a checkpoint completes).
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, commandLine, createDatabase, EXECUTABLE, tempDir } from "../_cli.ts";
import { query, tableCounts } from "../_db.ts";
import { request, rpcLines, RpcProcess } from "../_rpc.ts";
import { CRAFTED, writeCrafted } from "../_crafted_history.ts";
import { openDatabase } from "../../src/db/open.ts";
import { EVENTS_AFTER_SQL } from "../../src/store/event_stream.ts";

const CONFIG = "name: web\ndocker: {expose_port: 8080}\nports: {blue: 8081, green: 8082}\n" +
  "health_check: {success_threshold: 1, expected_status: 200}\n";

/** A running `events --follow`, read line by line. */
class Follower {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly #stdout: Promise<void>;
  readonly #stderr: Promise<string>;
  #errText = "";

  constructor(db: string, args: string[]) {
    const child = new Deno.Command(EXECUTABLE, {
      args: [...commandLine(), "--db", db, "events", "--follow", ...args],
      env: cleanEnv(),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child = child;
    this.#stderr = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#errText += chunk;
      }
      return this.#errText;
    })();
    this.#stdout = (async () => {
      let buffer = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const parts = buffer.split("\n");
        buffer = parts.pop()!;
        this.lines.push(...parts);
      }
    })();
  }

  /** Waits until the follower says it follows: from then on, every commit reaches it. */
  async ready(): Promise<void> {
    for (let i = 0; i < 300 && !this.#errText.includes("following the events after"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assertStringIncludes(this.#errText, "following the events after");
  }

  /** Waits until `count` lines have arrived (the follower polls every 100 ms). */
  async waitFor(count: number): Promise<unknown[]> {
    for (let i = 0; i < 300 && this.lines.length < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assertEquals(this.lines.length, count, this.lines.join("\n"));
    return this.lines.map((line) => JSON.parse(line));
  }

  async stop(signal: Deno.Signal): Promise<{ code: number; stderr: string }> {
    this.child.kill(signal);
    const status = await this.child.status;
    await this.#stdout;
    return { code: status.code, stderr: await this.#stderr };
  }
}

/** Polls `condition` every 20 ms, for up to 15 s. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 750; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`waited 15 s for ${what}`);
}

/** The command names of a process's children, from /proc. */
async function childCommands(pid: number): Promise<string[]> {
  const children = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => "");
  const names = [];
  for (const child of children.trim().split(/\s+/).filter(Boolean)) {
    names.push(await Deno.readTextFile(`/proc/${child}/comm`).then((c) => c.trim(), () => ""));
  }
  return names;
}

async function webDatabase(dir: string): Promise<string> {
  const db = `${dir}/d.db`;
  const config = `${dir}/web.yaml`;
  await Deno.writeTextFile(config, CONFIG);
  const added = await cli(["--db", db, "config", "add", config]);
  assertEquals(added.code, 0, added.stderr);
  return db;
}

const allEvents = (db: string) =>
  query<{ id: number }>(db, "SELECT id, event_type, app_name FROM deployment_events ORDER BY id");

Deno.test("events --follow: what the CLI and an RPC server commit, in order, each once", async () => {
  await using dir = await tempDir();
  const db = await webDatabase(dir.path);
  const follower = new Follower(db, []);
  await follower.ready();
  const start = await cli(["--db", db, "deploy", "start", "web", "--image", "web:1"]);
  assertEquals(start.code, 0, start.stderr);
  await follower.waitFor(1);
  await using server = new RpcProcess(db);
  for (
    const [i, event] of ["container_started", "health_check_passed", "caddy_updated"].entries()
  ) {
    const response = await server.call(i, "deploy.event", { app_name: "web", event_type: event });
    assertEquals(response.error, undefined);
    await follower.waitFor(i + 2);
  }
  const cliEvent = await cli(["--db", db, "deploy", "event", "--app", "web", "drain_complete"]);
  assertEquals(cliEvent.code, 0, cliEvent.stderr);
  const seen = await follower.waitFor(5) as Record<string, unknown>[];
  const stored = query<Record<string, unknown>>(
    db,
    "SELECT id, event_type, created_at FROM deployment_events ORDER BY id",
  );
  assertEquals(
    seen.map((e) => ({ id: e.id, event_type: e.event_type, created_at: e.created_at })),
    stored,
  );
  assertEquals(seen[0].payload, { image: "web:1", config_id: 1, color: "blue" });
  const stopped = await follower.stop("SIGTERM");
  assertEquals(stopped.code, 143);
  assertStringIncludes(
    stopped.stderr,
    `resume with dockswap-db --db ${db} events --follow --since-id ${stored.at(-1)!.id}`,
  );
});

Deno.test("events --follow: killed, then resumed with --since-id, skips and repeats nothing", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED.slice(0, 2));
  const first = new Follower(db, ["--since-id", "0"]);
  const before = allEvents(db).length;
  await first.waitFor(before);
  // Killed without a chance to say where it was: resume from its last line.
  await first.stop("SIGKILL");
  const lastSeen = (JSON.parse(first.lines.at(-1)!) as { id: number }).id;
  writeCrafted(db, CRAFTED.slice(2, 4)); // written while nobody follows
  const second = new Follower(db, ["--since-id", String(lastSeen)]);
  const total = allEvents(db).length;
  await second.waitFor(total - before);
  writeCrafted(db, CRAFTED.slice(4));
  await second.waitFor(allEvents(db).length - before);
  const interrupted = await second.stop("SIGINT");
  assertEquals(interrupted.code, 130);
  const ids = [...first.lines, ...second.lines].map((l) => (JSON.parse(l) as { id: number }).id);
  assertEquals(ids, allEvents(db).map((e) => e.id));
  // --app follows one app only.
  const alpha = new Follower(db, ["--app", "beta", "--since-id", "0"]);
  const beta = query<{ id: number }>(
    db,
    "SELECT id FROM deployment_events WHERE app_name = 'beta'",
  );
  const lines = await alpha.waitFor(beta.length) as { id: number }[];
  assertEquals(lines.map((e) => e.id), beta.map((e) => e.id));
  const end = await alpha.stop("SIGTERM");
  assertStringIncludes(end.stderr, `--app beta --since-id ${beta.at(-1)!.id}`);
});

Deno.test("events --follow | head -n 3: the follower ends at its next event once the reader is gone", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED.slice(0, 2));
  const quote = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;
  const program = [EXECUTABLE, ...commandLine()].map(quote).join(" ");
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      `${program} --db ${quote(db)} events --follow --since-id 0 | head -n 3; ` +
      'echo "status ${PIPESTATUS[*]}"',
    ],
    env: cleanEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const stdout = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) printed += chunk;
    return printed;
  })();
  const stderr = new Response(child.stderr).text();
  // head has its 3 lines and is gone (the rest sat in the pipe); the next event meets the
  // closed pipe and ends the follower.
  await waitUntil(() => printed.split("\n").length > 3, "head's 3 lines");
  await waitUntil(async () => !(await childCommands(child.pid)).includes("head"), "head's exit");
  writeCrafted(db, CRAFTED.slice(2, 3));
  const status = await child.status;
  assertEquals(status.code, 0);
  const lines = (await stdout).trimEnd().split("\n");
  assertEquals(lines.slice(0, 3).map((l) => (JSON.parse(l) as { id: number }).id), [1, 2, 3]);
  assertEquals(lines[3], "status 0 0");
  assertStringIncludes(await stderr, "resume with");
});

Deno.test("events --follow: an idle follower holds no snapshot, so a checkpoint completes", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  const follower = new Follower(db, []);
  await follower.ready();
  writeCrafted(db, CRAFTED.slice(0, 1));
  await follower.waitFor(CRAFTED[0].events.length);
  await new Promise((resolve) => setTimeout(resolve, 500));
  // busy = 0: no reader kept the WAL from being copied back and truncated.
  const checkpoint = await new Deno.Command("sqlite3", {
    args: [db, "PRAGMA wal_checkpoint(TRUNCATE);"],
    stdout: "piped",
  }).output();
  assertEquals(new TextDecoder().decode(checkpoint.stdout).trim(), "0|0|0");
  assertEquals((await Deno.stat(`${db}-wal`)).size, 0);
  assertEquals((await follower.stop("SIGTERM")).code, 143);
});

Deno.test("events --follow: bad flags are refused clearly and nothing is written", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED);
  const before = tableCounts(db);
  const cases: [string[], number, string][] = [
    [["events", "--follow", "--since-id", "-1"], 2, "--since-id"],
    [["events", "--follow", "--since-id", "x"], 2, "must be 0 or a positive"],
    [["events", "--follow", "--app", "nope"], 3, "Nothing is recorded for app nope"],
    [["events", "--follow", "--app", "bad name!"], 2, "Invalid --app"],
    [["events", "3", "--follow"], 2, "takes --app, not a DEPLOYMENT_ID"],
    [["events", "--app", "alpha"], 2, "missing required argument"],
    [["events", "3", "--since-id", "1"], 2, "go with --follow"],
    [["--format", "csv", "events", "--follow"], 2, "writes NDJSON"],
  ];
  for (const [args, code, message] of cases) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assertStringIncludes(result.stderr, message);
    assertEquals(result.stdout, "");
  }
  assertEquals(tableCounts(db), before);
  const missing = await cli(["--db", `${dir.path}/none.db`, "events", "--follow"]);
  assertEquals(missing.code, 3);
  assertEquals(await Deno.stat(`${dir.path}/none.db`).catch(() => null), null);
});

Deno.test("events.after over JSON-RPC: a page after an id, and where to continue", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  writeCrafted(db, CRAFTED);
  const ids = allEvents(db).map((e) => e.id);
  const [page, rest, unknown] = await rpcLines(db, [
    request(1, "events.after", { after_id: 0, limit: 4 }),
    request(2, "events.after", { after_id: 4 }),
    request(3, "events.after", { after_id: 0, app_name: "nope" }),
  ]) as { result: { events: { id: number }[]; last_id: number; newest_id: number } }[];
  assertEquals(page.result.events.map((e) => e.id), ids.slice(0, 4));
  assertEquals([page.result.last_id, page.result.newest_id], [4, ids.at(-1)]);
  assertEquals(rest.result.events.map((e) => e.id), ids.slice(4));
  assertEquals((unknown as unknown as { error: { code: number } }).error.code, -32001);
});

Deno.test("query plan: the events after an id are a range of the primary key", async () => {
  await using dir = await tempDir();
  const db = openDatabase(`${dir.path}/d.db`);
  try {
    for (const app of [null, "web"]) {
      const plan = db.all<{ detail: string }>(
        `EXPLAIN QUERY PLAN ${EVENTS_AFTER_SQL}`,
        5,
        app,
        app,
        10,
      )
        .map((r) => r.detail);
      assert(plan.some((d) => /USING INTEGER PRIMARY KEY \(rowid>\?\)/.test(d)), plan.join(" | "));
      assert(!plan.some((d) => /TEMP B-TREE/.test(d)), plan.join(" | "));
    }
  } finally {
    db.close();
  }
});
