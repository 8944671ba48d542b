import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, pasteIntoBash, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { addHistory } from "../_history.ts";
import { makeGoDockswapDb } from "../fixtures/make_go_dockswap_db.ts";

interface DoctorReport {
  ok: boolean;
  checks: { check: string; status: string; detail: string; hint: string | null }[];
}

async function doctor(db: string, ...args: string[]) {
  const result = await cli(["--db", db, "--json", "doctor", ...args]);
  return {
    code: result.code,
    report: JSON.parse(result.stdout) as DoctorReport,
    stderr: result.stderr,
  };
}

/** web-api with `deployments` ended deployments, and worker in flight since long ago. */
async function withStuckWorker(db: string, deployments: number) {
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  const ids = addHistory(db, { app: "web-api", deployments });
  addHistory(db, {
    app: "worker",
    deployments: 1,
    inFlight: true,
    inFlightSince: "2026-01-01T00:00:00.000Z",
  });
  return ids;
}

function check(report: DoctorReport, name: string) {
  const found = report.checks.find((c) => c.check === name);
  assert(found, `no ${name} check`);
  return found;
}

/** A separate process that keeps committing config rows until it has written `rows`. */
function startWriter(db: string, rows: number) {
  const code = `
    import { createHash } from "node:crypto";
    import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync(${JSON.stringify(db)}, { timeout: 10000 });
    for (let i = 0; i < ${rows}; i++) {
      const yaml = "name: writer\\n# " + i + "\\n";
      db.exec("BEGIN IMMEDIATE");
      db.prepare("INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)")
        .run("writer", yaml, createHash("sha256").update(yaml).digest("hex"), new Date().toISOString());
      db.exec("COMMIT");
    }
    db.close();`;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

Deno.test("backup taken while another process writes is consistent, verified and owner-only", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  addHistory(db, { app: "web-api", deployments: 3 });
  const writer = startWriter(db, 3000);
  // Back up once the writer is under way.
  while (
    query<{ n: number }>(db, "SELECT count(*) AS n FROM app_configs WHERE app_name = 'writer'")[0]
      .n < 50
  ) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const backup = `${dir.path}/backups/b.db`;
  await Deno.mkdir(`${dir.path}/backups`);
  const taken = await cliJson<{ path: string; quick_check: string; bytes: number }>(db, [
    "backup",
    backup,
  ]);
  const status = await writer.output();
  assertEquals(status.code, 0, new TextDecoder().decode(status.stderr));
  assertEquals(taken.quick_check, "ok");
  assertEquals((await Deno.stat(backup)).mode! & 0o777, 0o600);
  assertEquals([...Deno.readDirSync(`${dir.path}/backups`)].map((e) => e.name), ["b.db"]);

  // The copy holds a committed prefix of the writer's rows, and a healthy database.
  const ids = query<{ id: number }>(
    backup,
    "SELECT id FROM app_configs WHERE app_name = 'writer' ORDER BY id",
  )
    .map((r) => r.id);
  assert(ids.length >= 50 && ids.length <= 3000, `backup holds ${ids.length} writer rows`);
  assertEquals(ids.at(-1)! - ids[0] + 1, ids.length, "a gap in the snapshot");
  const { code, report } = await doctor(backup);
  assertEquals(code, 0);
  assert(report.ok);
  const history = await cliJson<unknown[]>(backup, ["config", "history", "web-api"]);
  assertEquals(history.length, 4);

  // An existing file is kept unless --force.
  const again = await cli(["--db", db, "backup", backup]);
  assertEquals(again.code, 8);
  assertStringIncludes(again.stderr, "file_exists");
  assertEquals(query(backup, "SELECT count(*) AS n FROM app_configs"), [{ n: ids.length + 4 }]);
  const forced = await cli(["--db", db, "backup", backup, "--force"]);
  assertEquals(forced.code, 0, forced.stderr);
  assertEquals(query(backup, "SELECT count(*) AS n FROM app_configs"), [{ n: 3004 }]);
});

Deno.test("doctor passes a healthy database", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  addHistory(db, { app: "web-api", deployments: 2 });
  addHistory(db, {
    app: "worker",
    deployments: 1,
    inFlight: true,
    inFlightSince: new Date().toISOString(),
  });
  const { code, report } = await doctor(db);
  assertEquals(code, 0);
  assertEquals(report.ok, true);
  assertEquals(report.checks.map((c) => c.check), [
    "identity",
    "integrity_check",
    "foreign_key_check",
    "migrations",
    "journal_mode",
    "wal_size",
    "file_permissions",
    "stuck_deployments",
    "current_state",
    "config_sha",
    "event_chain",
    "payload_spacing",
  ]);
  assert(report.checks.every((c) => c.status === "ok"), JSON.stringify(report));
  const table = await cli(["--db", db, "doctor"]);
  assertEquals(table.code, 0);
  assertStringIncludes(table.stdout, "integrity_check");
});

Deno.test("doctor reports a dangling reference, a stuck deployment and a disagreeing state", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const ids = await withStuckWorker(db, 2);
  const raw = new DatabaseSync(db);
  raw.exec("PRAGMA foreign_keys = OFF");
  raw.prepare(
    `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state, created_at)
     VALUES (9999, 'web-api', 'deploy', 'stable', 'starting', '2026-01-02T00:00:00.000Z')`,
  ).run();
  raw.prepare("UPDATE current_state SET deployment_id = ? WHERE app_name = 'web-api'").run(
    ids.deployments[0],
  );
  raw.close();
  const before = await Deno.readFile(db);

  const { code, report, stderr } = await doctor(db, "--stuck-after", "2h");
  assertEquals(code, 1, stderr);
  assertEquals(report.ok, false);
  assertEquals(check(report, "foreign_key_check").status, "fail");
  assertStringIncludes(check(report, "foreign_key_check").detail, "deployment_events");
  assertEquals(check(report, "stuck_deployments").status, "fail");
  assertStringIncludes(
    check(report, "stuck_deployments").hint!,
    `dockswap-db --db ${db} recover worker`,
  );
  assertEquals(check(report, "current_state").status, "fail");
  assertStringIncludes(
    check(report, "current_state").detail,
    `but the latest is ${ids.deployments[1]}`,
  );
  assertEquals(check(report, "integrity_check").status, "ok");
  assertEquals(await Deno.readFile(db), before, "doctor changed the file");
});

Deno.test("doctor reports a file that is not a database instead of refusing it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/garbage.db`;
  await Deno.writeTextFile(db, "this is not a database ".repeat(500));
  const result = await cli(["--db", db, "doctor"]);
  assertEquals(result.code, 1, result.stderr);
  assertStringIncludes(result.stdout, "fail");
  assert(!result.stderr.includes("at "), result.stderr);
  const missing = await cli(["--db", `${dir.path}/none.db`, "doctor"]);
  assertEquals(missing.code, 3);
  // Other commands refuse it and name the doctor command for this very file.
  const status = await cli(["--db", db, "status"]);
  assertStringIncludes(status.stderr, `run dockswap-db --db ${db} doctor or restore a backup`);
  const pasted = await pasteIntoBash(`dockswap-db --db ${db} doctor`, "/");
  assertEquals(pasted.code, 1, pasted.stderr);
});

Deno.test("doctor reports a file of a format this SQLite does not support as unreadable, not as its own crash", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/future.db`;
  const raw = new DatabaseSync(db);
  raw.exec("CREATE TABLE notes (x TEXT)");
  raw.close();
  // The schema format number (header bytes 44-47) of a newer or damaged file: "unsupported file
  // format" is not one of SQLite's numbered corruption errors.
  const bytes = await Deno.readFile(db);
  new DataView(bytes.buffer).setUint32(44, 5);
  await Deno.writeFile(db, bytes);
  const result = await cli(["--db", db, "--json", "doctor"]);
  assertEquals(result.code, 1, result.stderr);
  const { checks } = JSON.parse(result.stdout) as { checks: { check: string; status: string }[] };
  assertEquals(checks[0], { ...checks[0], check: "identity", status: "fail" });
});

Deno.test("doctor's hints are commands that work pasted as printed, for a database at a path with a space", async () => {
  await using dir = await tempDir();
  const folder = `${dir.path}/it's here`;
  await Deno.mkdir(folder);
  const db = `${folder}/ops db.db`;
  await withStuckWorker(db, 1);
  // web-api's state says in flight though its deployment ended (a crash between two writes).
  const raw = new DatabaseSync(db);
  raw.prepare("UPDATE current_state SET status = 'draining' WHERE app_name = 'web-api'").run();
  raw.close();

  // Relative --db from the folder: the hints still name the file absolutely.
  const result = await cli(["--db", "ops db.db", "--json", "doctor"], { cwd: folder });
  assertEquals(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout) as DoctorReport;
  const stuck = check(report, "stuck_deployments");
  const state = check(report, "current_state");
  assertEquals([stuck.status, state.status], ["fail", "fail"]);
  for (const hint of [stuck.hint!, state.hint!]) {
    assertStringIncludes(hint, `--db '${folder.replaceAll("'", "'\\''")}/ops db.db'`);
    const run = await pasteIntoBash(hint, dir.path);
    assertEquals(run.code, 0, `${hint}: ${run.stderr}`);
  }
  const after = await doctor(db);
  assertEquals(after.code, 0, JSON.stringify(after.report));
  assertEquals(check(after.report, "stuck_deployments").status, "ok");
  assertEquals(check(after.report, "current_state").status, "ok");
});

Deno.test("doctor's hint for a Go dockswap file adopts it when pasted", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/dockswap.db`;
  makeGoDockswapDb(db);
  const before = await doctor(db);
  const identity = check(before.report, "identity");
  assertEquals(identity.status, "fail");
  assertEquals(check(before.report, "journal_mode").status, "warn");
  for (const hint of [identity.hint!, check(before.report, "journal_mode").hint!]) {
    const command = hint.slice(hint.indexOf("dockswap-db --db"));
    const run = await pasteIntoBash(command, "/");
    assertEquals(run.code, 0, `${command}: ${run.stderr}`);
  }
  const after = await doctor(db);
  assertEquals(check(after.report, "identity").status, "ok");
  assertEquals(check(after.report, "journal_mode").status, "ok");
});

Deno.test("backup and export refuse to write over the database or its journal, even with --force", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  addHistory(db, { app: "web-api", deployments: 2 });
  const before = await cliJson(db, ["--format", "json", "history", "web-api"]);
  for (
    const args of [
      ["backup", db, "--force"],
      ["backup", `${db}-wal`, "--force"],
      ["export", "--output", db],
      ["export", "--cursor", db],
      ["export", "--output", `${dir.path}/out.ndjson`, "--cursor", `${dir.path}/out.ndjson`],
    ]
  ) {
    // From the database's folder, by a relative name: the same file all the same.
    const relative = args.map((a) =>
      a.startsWith(dir.path) ? `./${a.slice(dir.path.length + 1)}` : a
    );
    const run = await cli(["--db", "d.db", ...relative], { cwd: dir.path });
    assertEquals(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert(/is the database|same file/.test(run.stderr), run.stderr);
  }
  assertEquals(await cliJson(db, ["--format", "json", "history", "web-api"]), before);
  assertEquals(query(db, "PRAGMA quick_check"), [{ quick_check: "ok" }]);
  assertEquals(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) => !n.startsWith("d.db")),
    [],
  );
});

Deno.test("backup and export know the database's journal files by identity, through symbolic links", async () => {
  await using dir = await tempDir();
  const real = `${dir.path}/real/w.db`;
  Deno.mkdirSync(`${dir.path}/real`);
  await cliJson(real, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  addHistory(real, { app: "web-api", deployments: 2 });
  Deno.symlinkSync("real/w.db", `${dir.path}/link.db`);
  Deno.symlinkSync("real", `${dir.path}/linkdir`);
  const before = await cliJson(real, ["--format", "json", "history", "web-api"]);
  // SQLite keeps the journals beside the file the link resolves to: real/w.db-wal.
  const cases: [string, string[]][] = [
    ["link.db", ["backup", "real/w.db-wal", "--force"]],
    ["link.db", ["backup", "real/w.db-shm", "--force"]],
    ["link.db", ["backup", "real/w.db-journal", "--force"]],
    ["linkdir/w.db", ["backup", "real/w.db-wal", "--force"]],
    ["real/w.db", ["backup", "linkdir/w.db-wal", "--force"]],
    ["link.db", ["export", "--output", "real/w.db-wal"]],
    ["link.db", ["export", "--cursor", "linkdir/w.db-shm"]],
  ];
  for (const [database, args] of cases) {
    const run = await cli(["--db", database, ...args], { cwd: dir.path });
    assertEquals(run.code, 2, `--db ${database} ${args.join(" ")}: ${run.stderr}`);
    assert(/is the database/.test(run.stderr), run.stderr);
    assertEquals(await cliJson(real, ["--format", "json", "history", "web-api"]), before);
  }
  assertEquals(query(real, "PRAGMA quick_check"), [{ quick_check: "ok" }]);
  assertEquals(
    [...Deno.readDirSync(`${dir.path}/real`)].map((e) => e.name).filter((n) =>
      !n.startsWith("w.db")
    ),
    [],
  );
});

Deno.test("backup removes what killed backups to the same file left, and nothing else", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  const target = `${dir.path}/b.db`;
  const hourAgo = new Date(Date.now() - 3_600_000);
  const killed = [
    `${dir.path}/.b.db.backup-999999999-abc`,
    `${dir.path}/.b.db.backup-999999999-abc-journal`,
  ];
  const kept = [
    `${dir.path}/.b.db.backup-999999999-new`,
    `${dir.path}/.other.db.backup-999999999-abc`,
  ];
  for (const file of [...killed, ...kept]) {
    await Deno.writeTextFile(file, "x");
    if (!file.endsWith("-new")) await Deno.utime(file, hourAgo, hourAgo);
  }
  const run = await cli(["--db", db, "backup", target]);
  assertEquals(run.code, 0, run.stderr);
  const names = [...Deno.readDirSync(dir.path)].map((e) => `${dir.path}/${e.name}`);
  for (const file of killed) assertEquals(names.includes(file), false, file);
  for (const file of kept) assertEquals(names.includes(file), true, file);
  assertEquals(query(target, "PRAGMA quick_check"), [{ quick_check: "ok" }]);
});
