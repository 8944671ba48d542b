/**
 * Reads never write and never wait for writers: a command that only reads answers while another
 * process holds the write lock, and leaves a file it cannot use byte for byte as it was.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, cliJson, createDatabase, FIXTURES, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { addHistory } from "../_history.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";

/** Another process (its own SQLite connection) holding BEGIN IMMEDIATE with an uncommitted row. */
async function holdWriteLock(db: string) {
  const script = `
    import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync(Deno.env.get("HOLD_DB"));
    db.exec("BEGIN IMMEDIATE");
    db.exec("CREATE TEMP TABLE copy AS SELECT * FROM deployment_events ORDER BY id DESC LIMIT 1");
    db.exec("UPDATE copy SET id = NULL");
    db.exec("INSERT INTO deployment_events SELECT * FROM copy");
    console.log("locked");
    for await (const _ of Deno.stdin.readable) { /* until the test closes stdin */ }
    db.exec("COMMIT");
    db.close();
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    env: cleanEnv({ HOLD_DB: db }),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  assertEquals(first.value?.trim(), "locked");
  return {
    /** Commits the held transaction and waits for the process to end. */
    async release() {
      await child.stdin.close();
      await reader.cancel();
      assertEquals((await child.status).code, 0);
    },
  };
}

/** True when this test process can take the write lock right now (busy timeout 0). */
function writeLockFree(db: string): boolean {
  const probe = new DatabaseSync(db, { timeout: 0 });
  try {
    probe.exec("BEGIN IMMEDIATE");
    probe.exec("ROLLBACK");
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

Deno.test("reads answer while another process holds the write lock, without waiting for it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  const latest = addHistory(db, { app: "web-api", deployments: 2 }).deployments.at(-1)!;
  const eventsBefore = query<{ n: number }>(
    db,
    "SELECT count(*) AS n FROM deployment_events WHERE deployment_id = ?",
    latest,
  )[0].n;
  const writer = await holdWriteLock(db);
  try {
    // Each read would otherwise wait the whole busy timeout and fail with database_busy (exit 7).
    for (
      const args of [
        ["status"],
        ["history", "web-api"],
        ["events", `${latest}`],
        ["doctor"],
        ["verify"],
      ]
    ) {
      const run = await cli(["--db", db, "--json", ...args]);
      assertEquals(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
      JSON.parse(run.stdout);
      // The uncommitted event is not seen: a read sees the last commit.
      if (args[0] === "events") assertEquals(JSON.parse(run.stdout).length, eventsBefore);
    }
    assert(!writeLockFree(db), "the other process held the write lock throughout");
  } finally {
    await writer.release();
  }
  assertEquals(
    query(db, "SELECT count(*) AS n FROM deployment_events WHERE deployment_id = ?", latest)[0].n,
    eventsBefore + 1,
  );
});

Deno.test("a prune dry run is a read: it answers while another process holds the write lock", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  addHistory(db, { app: "web-api", deployments: 3 });
  const writer = await holdWriteLock(db);
  try {
    // It deletes nothing, so it must not wait the busy timeout and fail with database_busy.
    const run = await cli(["--db", db, "--json", "prune", "--keep-last", "1"]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout).dry_run, true);
    const [answer] = await rpcLines(db, [
      request(1, "db.prune", { keep_last: 1 }),
    ]) as RpcResponse[];
    assertEquals(answer.error, undefined, JSON.stringify(answer.error));
    assertEquals((answer.result as { dry_run: boolean }).dry_run, true);
    assert(!writeLockFree(db), "the other process held the write lock throughout");
  } finally {
    await writer.release();
  }
});

Deno.test("reads of a rollback-journal database answer while another process holds the write lock", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  const latest = addHistory(db, { app: "web-api", deployments: 2 }).deployments.at(-1)!;
  // A copy made with another tool, or a file switched back by hand: sqlite3 reads it at once.
  const raw = new DatabaseSync(db);
  raw.exec("PRAGMA journal_mode = DELETE");
  raw.close();
  const writer = await holdWriteLock(db);
  try {
    // Switching to WAL needs the lock the writer holds; reading does not.
    for (const args of [["status"], ["history", "web-api"], ["events", `${latest}`], ["export"]]) {
      const run = await cli(["--db", db, "--json", ...args]);
      assertEquals(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
    }
    assert(!writeLockFree(db), "the other process held the write lock throughout");
  } finally {
    await writer.release();
  }
  // Once the lock is free, the next command switches the file to WAL as before.
  await cliJson(db, ["status"]);
  assertEquals(query(db, "PRAGMA journal_mode"), [{ journal_mode: "wal" }]);
});

Deno.test("a read of an empty file leaves it empty and says so; a write initialises it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/x.db`;
  Deno.writeFileSync(db, new Uint8Array());
  for (const args of [["status"], ["history", "web-api"], ["migrate", "status"], ["export"]]) {
    const run = await cli(["--db", db, ...args]);
    assertEquals(run.code, 3, `${args.join(" ")}: ${run.stdout} ${run.stderr}`);
    assertStringIncludes(run.stderr, "empty file");
    assertStringIncludes(run.stderr, "[not_found]");
    assertEquals(run.stdout, "");
    assertEquals(Deno.statSync(db).size, 0, args.join(" "));
    assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["x.db"]);
  }
  // A write that can succeed on an empty database initialises the file.
  const added = await cli(["--db", db, "config", "add", `${FIXTURES}apps/web-api.yaml`]);
  assertEquals(added.code, 0, added.stderr);
  assertEquals((await cliJson<unknown[]>(db, ["status"])).length, 0);
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs")[0].n, 1);
});

Deno.test("a refused rollback-journal database is left byte for byte as it was", async () => {
  await using dir = await tempDir();
  const template = `${dir.path}/template.db`;
  await createDatabase(template);
  await cliJson(template, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  const cases: [string, string, string][] = [
    [
      "schema_too_new",
      "INSERT INTO schema_migrations VALUES (9999, '9999_future', 'x', '2099-01-01T00:00:00.000Z', 1)",
      "newer dockswap-db",
    ],
    [
      "migration_checksum_mismatch",
      "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1",
      "checksum",
    ],
  ];
  for (const [code, edit, words] of cases) {
    const db = `${dir.path}/${code}.db`;
    Deno.copyFileSync(template, db);
    const edited = new DatabaseSync(db);
    edited.exec("PRAGMA journal_mode = DELETE");
    edited.exec(edit);
    edited.close();
    const before = Deno.readFileSync(db);
    assertEquals(before[18], 1, "rollback-journal mode in the header (byte 18 = 1)");
    for (const args of [["status"], ["config", "add", `${FIXTURES}apps/worker.yaml`]]) {
      const run = await cli(["--db", db, ...args]);
      assertEquals(run.code, 6, `${code} ${args.join(" ")}: ${run.stderr}`);
      assertStringIncludes(run.stderr, `[${code}]`);
      assertStringIncludes(run.stderr, words);
      assertEquals(Deno.readFileSync(db), before, `${code} ${args.join(" ")}: file changed`);
      for (const journal of ["-wal", "-shm", "-journal"]) {
        assert(!exists(db + journal), `${db}${journal} left behind`);
      }
    }
  }
});

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
