/**
 * Files: the database is created owner-only; a read-only database answers reads and refuses
 * writes clearly; a write that runs out of space (a full tmpfs, or `ulimit -f`) reports a clear
 * error and leaves the file consistent.
 *
 * The suite runs as root here, and root ignores file modes. So "read-only" is made real, not
 * assumed: the process runs without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH / CAP_FOWNER
 * (`setpriv`), which makes the kernel apply mode 0444 to it as to any user; and a read-only bind
 * mount (`unshare -m`) makes even root's writes fail with EROFS. Each test first proves its
 * setup refuses a plain `bash` write; a test whose tool is missing is ignored, saying why.
 */
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { cli, commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { addHistory } from "../_history.ts";
import { RpcProcess } from "../_rpc.ts";
import {
  configFor,
  deploymentRequests,
  doctorFailures,
  dump,
  isCrash,
  line,
  missingAnswers,
  pairAnswers,
  Prng,
  problemsIn,
  requireNone,
  type Run,
  runToExit,
} from "./_support.ts";
import { rpcLines } from "../_rpc.ts";
import { MIGRATIONS } from "../../migrations/mod.ts";
import { Database } from "../../src/db/database.ts";
import { markAsDockswapFile } from "../../src/db/identity.ts";
import { migrate } from "../../src/db/migrate.ts";

/** Runs `bash -c script` with dockswap-db's command line as "$@" (after `extra` positional args). */
function bashRun(
  script: string,
  extra: string[],
  args: string[],
  stdin?: Uint8Array,
  options: { ownMounts?: boolean } = {},
): Promise<Run> {
  const bash = ["bash", "-c", script, "bash", ...extra, EXECUTABLE, ...commandLine(), ...args];
  // ownMounts: the script's mounts live in a private mount namespace that ends with it.
  const argv = options.ownMounts ? ["unshare", "-m", "--propagation", "private", ...bash] : bash;
  return runToExit(argv[0], argv.slice(1), stdin, 60_000);
}

function succeeds(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const IS_ROOT = succeeds("bash", ["-c", 'test "$(id -u)" = 0']);
/** Capabilities that let root write a file whatever its mode. */
const DROP_CAPS = "-dac_override,-dac_read_search,-fowner";
const CAN_DROP_CAPS = !IS_ROOT ||
  succeeds("setpriv", [`--bounding-set=${DROP_CAPS}`, `--inh-caps=${DROP_CAPS}`, "true"]);
const CAN_MOUNT = IS_ROOT && succeeds("unshare", ["-m", "--propagation", "private", "true"]);
/** Runs "$@" without the capabilities that bypass file modes (as root); as is otherwise. */
const NO_BYPASS = IS_ROOT
  ? `exec setpriv --bounding-set=${DROP_CAPS} --inh-caps=${DROP_CAPS} "$@"`
  : `exec "$@"`;

if (!CAN_DROP_CAPS) console.log("[files] setpriv cannot drop capabilities: 0444 test ignored");
if (!CAN_MOUNT) {
  console.log("[files] unshare -m unavailable: read-only mount and tmpfs tests ignored");
}

/** A database with one stable app (`web`) and one deployment in flight (`busy`). */
async function seeded(path: string): Promise<void> {
  let n = 0;
  const responses = await rpcLines(path, [
    line("c1", "config.add", { config_yaml: configFor("web") }),
    line("c2", "config.add", { config_yaml: configFor("busy") }),
    ...deploymentRequests(new Prng(3), "web", "web:1", () => `w${n++}`),
    line("b", "deploy.start", { app_name: "busy", image: "busy:1" }),
  ]) as { error?: unknown }[];
  assert(responses.every((r) => !r.error), JSON.stringify(responses));
}

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

Deno.test("files: a new database, its folder and its -wal/-shm are owner-only, whatever the umask", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/new/folder/d.db`;
  const result = await bashRun(
    `umask 000; exec "$@"`,
    [],
    ["--db", db, "config", "add", "-"],
    new TextEncoder().encode(configFor("web")),
  );
  assertEquals(result.code, 0, result.stderr);
  assertEquals(mode(db).toString(8), "600");
  assertEquals(mode(`${dir.path}/new/folder`).toString(8), "700");
  // While a server holds it open, the WAL files exist: they must be owner-only too.
  await using server = new RpcProcess(db);
  const answer = await server.call(1, "state.list", {});
  assert(!answer.error, JSON.stringify(answer));
  assertEquals(mode(`${db}-wal`).toString(8), "600");
  assertEquals(mode(`${db}-shm`).toString(8), "600");
});

Deno.test("files: a database others can read is reported by doctor and, when every user can, by each command", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const add = (name: string) =>
    cli(["--db", db, "--json", "config", "add", "-"], { stdin: configFor(name) });
  assertEquals((await add("web")).code, 0);
  Deno.chmodSync(db, 0o644); // as the Go dockswap and sqlite3 create files under umask 022
  const doctorCheck = async () => {
    const run = await cli(["--db", db, "--json", "doctor"]);
    const report = JSON.parse(run.stdout) as {
      checks: { check: string; status: string; detail: string; hint: string }[];
    };
    return report.checks.find((c) => c.check === "file_permissions")!;
  };
  {
    await using server = new RpcProcess(db);
    assert(!(await server.call(1, "state.list", {})).error);
    // SQLite gives the journals the database's mode, whatever the umask: 0644 here.
    assertEquals(mode(`${db}-wal`).toString(8), "644");
    const run = await add("worker");
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout).created, true); // stdout stays parseable
    assertMatch(run.stderr, /warning: other users can read ".*d\.db" \(mode 0644\)/);
    assert(run.stderr.includes(`chmod 600 ${db}`), run.stderr);
    const check = await doctorCheck();
    assertEquals(check.status, "warn", JSON.stringify(check));
    assert(check.detail.includes(`${db}-wal is 0644`), check.detail);
    // The hint works pasted as printed.
    const pasted = await new Deno.Command("bash", { args: ["-c", check.hint] }).output();
    assertEquals(pasted.code, 0, new TextDecoder().decode(pasted.stderr));
    assertEquals(mode(db).toString(8), "600");
  }
  {
    await using server = new RpcProcess(db);
    assert(!(await server.call(1, "state.list", {})).error);
    assertEquals(mode(`${db}-wal`).toString(8), "600");
    assertEquals(mode(`${db}-shm`).toString(8), "600");
    assertEquals((await add("billing")).stderr, "Stored billing config 3\n");
    assertEquals((await doctorCheck()).status, "ok");
  }
  // Readable by its group only: often meant (a shared deploy group), so only doctor says it.
  Deno.chmodSync(db, 0o640);
  assertEquals((await add("cron")).stderr, "Stored cron config 4\n");
  assertEquals((await doctorCheck()).status, "warn");
});

Deno.test({
  name:
    "files: a read-only (0444) database answers reads, refuses writes with database_readonly (exit 6), stays unchanged",
  ignore: !CAN_DROP_CAPS,
  async fn() {
    await using dir = await tempDir();
    const db = `${dir.path}/ro.db`;
    await seeded(db);
    Deno.chmodSync(db, 0o444);
    const before = dump(db);
    // The setup is real: a plain write to the file is refused to a process run the same way.
    if (IS_ROOT) {
      const probe = new Deno.Command("setpriv", {
        args: [
          `--bounding-set=${DROP_CAPS}`,
          `--inh-caps=${DROP_CAPS}`,
          "bash",
          "-c",
          'echo x >> "$0"',
          db,
        ],
        stderr: "null",
      }).outputSync();
      assert(!probe.success, "without the capabilities, mode 0444 must stop root's writes");
    }
    for (
      const read of [["status"], ["history", "web"], ["config", "show", "web"], ["status", "busy"]]
    ) {
      const result = await bashRun(NO_BYPASS, [], ["--db", db, ...read]);
      assertEquals(result.code, 0, `${read.join(" ")}: ${result.stderr}`);
    }
    const writes = [
      ["deploy", "start", "web", "--image", "web:2"],
      ["deploy", "event", "--app", "busy", "container_started"],
      ["recover", "busy"],
      ["config", "add", "-"],
    ];
    for (const write of writes) {
      const result = await bashRun(
        NO_BYPASS,
        [],
        ["--db", db, ...write],
        new TextEncoder().encode(configFor("other")),
      );
      assertEquals(result.code, 6, `${write.join(" ")}: ${result.stderr}`);
      assertMatch(result.stderr, /read-only.*\[database_readonly\]/);
    }
    const rpc = await bashRun(
      NO_BYPASS,
      [],
      ["--db", db, "rpc"],
      new TextEncoder().encode(
        [
          line(1, "state.get", { app_name: "web" }),
          line(2, "deploy.start", { app_name: "web", image: "web:2" }),
          line(3, "deploy.history", { app_name: "web" }),
        ].join("\n") + "\n",
      ),
    );
    assertEquals(rpc.code, 0, rpc.stderr);
    const [get, start, history] = rpc.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert(get.result && history.result, rpc.stdout);
    assertEquals(start.error.data.code, "database_readonly");
    assertEquals(start.error.code, -32023);
    assertEquals(dump(db), before);
  },
});

Deno.test({
  name:
    "files: a file this user may read but not write, in a folder it may not write, or may not read at all, is refused as such (exit 8), by doctor too, not called damaged",
  ignore: !CAN_DROP_CAPS,
  async fn() {
    await using dir = await tempDir();
    const folder = `${dir.path}/theirs`;
    Deno.mkdirSync(folder);
    const db = `${folder}/d.db`;
    await seeded(db);
    const before = dump(db);
    // Cleanly closed, as another user's process leaves it: no -wal or -shm beside it.
    for (const suffix of ["-wal", "-shm"]) Deno.removeSync(`${db}${suffix}`);
    Deno.chmodSync(db, 0o444);
    Deno.chmodSync(folder, 0o555);
    try {
      for (const args of [["status"], ["history", "web"], ["doctor"]]) {
        const result = await bashRun(NO_BYPASS, [], ["--db", db, ...args]);
        assertEquals(result.code, 8, `${args.join(" ")}: ${result.stderr}`);
        assertMatch(result.stderr, /read-only.*-shm.*run as the file's owner.*\[io_error\]/);
      }
      Deno.chmodSync(db, 0o000);
      for (const args of [["status"], ["doctor"]]) {
        const result = await bashRun(NO_BYPASS, [], ["--db", db, ...args]);
        assertEquals(result.code, 8, `${args.join(" ")}: ${result.stderr}`);
        assertMatch(result.stderr, /permission denied \(owner uid \d+, mode 0000\).*\[io_error\]/);
      }
    } finally {
      Deno.chmodSync(folder, 0o755);
      Deno.chmodSync(db, 0o644);
    }
    assertEquals(dump(db), before);
  },
});

Deno.test({
  name:
    "files: a read-only database that needs a migration says what to do, and what it says works",
  ignore: !CAN_DROP_CAPS,
  async fn() {
    await using dir = await tempDir();
    const db = `${dir.path}/old.db`;
    // A file of the first schema only, as an older dockswap-db left it.
    const old = new Database(db);
    migrate(old, MIGRATIONS.slice(0, 1), () => markAsDockswapFile(old));
    old.close();
    Deno.chmodSync(db, 0o444);
    const refused = await bashRun(NO_BYPASS, [], ["--db", db, "status"]);
    assertEquals(refused.code, 6, refused.stderr);
    const hint = /e\.g\. dockswap-db (--db \S+ status)\)/.exec(refused.stderr)?.[1];
    assert(hint, refused.stderr);
    Deno.chmodSync(db, 0o644);
    const fixed = await bashRun(NO_BYPASS, [], hint.split(" "));
    assertEquals(fixed.code, 0, fixed.stderr);
    assertEquals(query(db, "SELECT count(*) AS n FROM schema_migrations"), [{
      n: MIGRATIONS.length,
    }]);
  },
});

Deno.test({
  name:
    "files: a database on a read-only mount: reads work while its -wal/-shm exist; otherwise a clear error; never a change",
  ignore: !CAN_MOUNT,
  async fn() {
    await using dir = await tempDir();
    const folder = `${dir.path}/mnt`;
    Deno.mkdirSync(folder);
    const db = `${folder}/d.db`;
    await seeded(db);
    const before = dump(db);
    // The look above left an empty -wal and a -shm (a read-only connection cannot remove them);
    // a cleanly closed database has neither.
    for (const suffix of ["-wal", "-shm"]) {
      const file = `${db}${suffix}`;
      if (suffix === "-wal") assertEquals(Deno.statSync(file).size, 0);
      Deno.removeSync(file);
    }
    const roMount = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; shift;`;
    const proof = await bashRun(`${roMount} echo x >> "$1/d.db"`, [folder, folder], [], undefined, {
      ownMounts: true,
    });
    assert(
      proof.code !== 0 && proof.code !== 99,
      `the mount must refuse root's writes: ${proof.stderr}`,
    );

    // Cleanly closed: only d.db is there, and SQLite cannot create the -shm a WAL reader needs.
    for (const args of [["status"], ["deploy", "start", "web", "--image", "web:2"]]) {
      const result = await bashRun(
        `${roMount} exec "$@"`,
        [folder],
        ["--db", db, ...args],
        undefined,
        {
          ownMounts: true,
        },
      );
      assertEquals(result.code, 8, `${args.join(" ")}: ${result.stderr}`);
      assertMatch(result.stderr, /read-only.*-shm.*\[io_error\]/);
    }
    // With its -wal/-shm present (a server has it open), reads work and writes are refused.
    await using server = new RpcProcess(db);
    assert(!(await server.call(1, "ping", {})).error);
    assert(!(await server.call(2, "state.list", {})).error);
    const status = await bashRun(
      `${roMount} exec "$@"`,
      [folder],
      ["--db", db, "status", "busy"],
      undefined,
      {
        ownMounts: true,
      },
    );
    assertEquals(status.code, 0, status.stderr);
    const write = await bashRun(
      `${roMount} exec "$@"`,
      [folder],
      [
        "--db",
        db,
        "recover",
        "busy",
      ],
      undefined,
      { ownMounts: true },
    );
    assertEquals(write.code, 6, write.stderr);
    assertMatch(write.stderr, /\[database_readonly\]/);
    await server.close();
    assertEquals(dump(db), before);
  },
});

/** Lifecycle requests with large configs: enough to outgrow a small file-size or disk limit. */
function fillingRequests(): Map<string, string> {
  const requests = new Map<string, string>();
  for (let i = 0; i < 200; i++) {
    const app = `fill${i}`;
    requests.set(
      `c${i}`,
      line(`c${i}`, "config.add", {
        config_yaml: configFor(app, `# ${"padding ".repeat(400)}\n`),
      }),
    );
    requests.set(`s${i}`, line(`s${i}`, "deploy.start", { app_name: app, image: `${app}:1` }));
    requests.set(
      `e${i}`,
      line(`e${i}`, "deploy.event", {
        app_name: app,
        event_type: "container_started",
      }),
    );
  }
  return requests;
}

/** Checks what a space-starved rpc run answered and left. */
async function checkStarved(db: string, requests: Map<string, string>, run: Run, pattern: RegExp) {
  assert(!isCrash(run.code, run.signal), `rpc crashed (${run.code} ${run.signal}): ${run.stderr}`);
  assertEquals(run.code, 0, run.stderr);
  const answers = pairAnswers(requests, run.stdout.trim().split("\n"));
  assertEquals(answers.length, requests.size, "every request answered");
  const failures = answers.filter((a) => a.response.error);
  assert(answers.length - failures.length > 0, "some writes fit before the limit");
  assert(failures.length > 0, "the limit was reached");
  for (const { response } of failures) {
    const error = response.error!;
    // Requests after a failed start are refused by the lifecycle (not_found): also clear.
    if (error.data?.code === "io_error") assertMatch(error.message, pattern);
    else assert(error.code !== -32603, JSON.stringify(error));
  }
  assert(failures.some((a) => a.response.error!.data?.code === "io_error"), "an io_error");
  requireNone(problemsIn(db), "unsound file after running out of space");
  requireNone(missingAnswers(db, answers), "answered writes missing");
  requireNone(await doctorFailures(db), "doctor");
  return answers;
}

Deno.test("files: past the file-size limit (ulimit -f), writes fail with io_error and the file stays consistent", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/limited.db`;
  await seeded(db);
  // Deno writes its own caches on a cold start; a first run without the limit fills them.
  assertEquals((await cli(["--db", db, "status"])).code, 0);
  const limitKb = Math.ceil(Deno.statSync(db).size / 1024) + 64;
  const limited = `ulimit -f ${limitKb}; exec "$@"`;
  const requests = fillingRequests();
  const input = new TextEncoder().encode([...requests.values()].join("\n") + "\n");
  const run = await bashRun(limited, [], ["--db", db, "rpc"], input);
  await checkStarved(db, requests, run, /file-size limit|disk (may be )?full/);

  // One-shot CLI: a clear error, exit 8, nothing stored.
  const before = query(db, "SELECT count(*) AS n FROM app_configs");
  const big = configFor("big", `# ${"x".repeat(512 * 1024)}\n`);
  const cliRun = await bashRun(
    limited,
    [],
    ["--db", db, "config", "add", "-"],
    new TextEncoder().encode(big),
  );
  assert(!isCrash(cliRun.code, cliRun.signal), cliRun.stderr);
  assertEquals(cliRun.code, 8, cliRun.stderr);
  assertMatch(cliRun.stderr, /file-size limit.*\[io_error\]/);
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs"), before);
  requireNone(problemsIn(db), "unsound file after the CLI hit the limit");
  // Without the limit the same write succeeds: nothing was left locked or half done.
  const again = await cli(["--db", db, "config", "add", "-"], { stdin: big });
  assertEquals(again.code, 0, again.stderr);
});

Deno.test({
  name:
    "files: on a full disk (a 256 KiB tmpfs), writes fail with 'disk is full' and the file stays consistent",
  ignore: !CAN_MOUNT,
  async fn() {
    await using dir = await tempDir();
    const seed = `${dir.path}/seed.db`;
    await seeded(seed);
    const mnt = `${dir.path}/tmpfs`;
    const out = `${dir.path}/out`;
    Deno.mkdirSync(mnt);
    Deno.mkdirSync(out);
    // The tmpfs exists only in the child's mount namespace: the files are copied out after.
    const script = `mount -t tmpfs -o size=256k tmpfs "$1" || exit 99
      cp "$2" "$1/d.db"; m=$1; o=$3; shift 3
      "$@"; code=$?
      cp "$m"/d.db* "$o"/; exit $code`;
    const requests = fillingRequests();
    const input = new TextEncoder().encode([...requests.values()].join("\n") + "\n");
    const run = await bashRun(script, [mnt, seed, out], ["--db", `${mnt}/d.db`, "rpc"], input, {
      ownMounts: true,
    });
    assert(run.code !== 99, "mounting a tmpfs failed");
    await checkStarved(`${out}/d.db`, requests, run, /disk is full/);
  },
});

Deno.test({
  name:
    "files: export (plain and --gzip) to a full disk fails with io_error, leaves no file and keeps the cursor",
  ignore: !CAN_MOUNT,
  async fn() {
    await using dir = await tempDir();
    const db = `${dir.path}/d.db`;
    assertEquals(
      (await cli(["--db", db, "config", "add", `${FIXTURES}apps/web-api.yaml`])).code,
      0,
    );
    addHistory(db, { app: "web", deployments: 20 });
    const mnt = `${dir.path}/tmpfs`;
    const cursor = `${dir.path}/export.cursor`;
    Deno.mkdirSync(mnt);
    // A 64 KiB tmpfs filled to the last byte; the database and the cursor stay outside it. After
    // both exports fail, the filler goes and the same exports must deliver every row.
    const script = `mount -t tmpfs -o size=64k tmpfs "$1" || exit 99; m=$1; shift
      dd if=/dev/zero of="$m/fill" bs=4k 2>/dev/null
      "$@" --gzip --output "$m/h.ndjson.gz"; echo "gzip=$?"
      "$@" --output "$m/h.ndjson"; echo "plain=$?"
      echo "left=$(ls -A "$m" | tr '\\n' ' ')"
      rm "$m/fill"
      "$@" --gzip --output "$m/h.ndjson.gz" && gzip -dc "$m/h.ndjson.gz"`;
    const run = await bashRun(
      script,
      [mnt],
      ["--db", db, "export", "--cursor", cursor],
      undefined,
      {
        ownMounts: true,
      },
    );
    assert(run.code !== 99, "mounting a tmpfs failed");
    assert(!isCrash(run.code, run.signal), run.stderr);
    const [gzip, plain, left, ...rows] = run.stdout.split("\n");
    assertEquals(gzip, "gzip=8", run.stderr);
    assertEquals(plain, "plain=8", run.stderr);
    const errors = run.stderr.trim().split("\n");
    assertEquals(errors.length, 2, run.stderr);
    for (const error of errors) {
      assertMatch(error, /"[^"]*h\.ndjson(\.gz)?": the disk is full.*\[io_error\]$/);
    }
    assertEquals(left, "left=fill ", "no temporary or partial output is left");
    // The failed runs moved no cursor: the run after them still delivers every event.
    const events = rows.filter((l) => l !== "").map((l) => JSON.parse(l)).filter((l) =>
      l.kind === "event"
    );
    assertEquals(events.length, query(db, "SELECT id FROM deployment_events").length);
  },
});

Deno.test({
  name:
    "files: a backup to a full disk names the backup file, not the database, and leaves nothing",
  ignore: !CAN_MOUNT,
  async fn() {
    await using dir = await tempDir();
    const db = `${dir.path}/d.db`;
    assertEquals(
      (await cli(["--db", db, "config", "add", `${FIXTURES}apps/web-api.yaml`])).code,
      0,
    );
    addHistory(db, { app: "web", deployments: 20 });
    const mnt = `${dir.path}/tmpfs`;
    Deno.mkdirSync(mnt);
    const script = `mount -t tmpfs -o size=64k tmpfs "$1" || exit 99; m=$1; shift
      "$@" "$m/b.db"; echo "backup=$?"
      echo "left=$(ls -A "$m" | tr '\\n' ' ')"`;
    const run = await bashRun(script, [mnt], ["--db", db, "backup"], undefined, {
      ownMounts: true,
    });
    assert(run.code !== 99, "mounting a tmpfs failed");
    assert(!isCrash(run.code, run.signal), run.stderr);
    const [backup, left] = run.stdout.split("\n");
    assertEquals(backup, "backup=8", run.stderr);
    // The database's own disk has room: telling the user it is full would send them the wrong way.
    assertMatch(run.stderr.trim(), /"[^"]*b\.db": the disk is full.*\[io_error\]$/);
    assert(!run.stderr.includes(db), run.stderr);
    assertEquals(left, "left=", "no temporary or partial backup is left");
  },
});
