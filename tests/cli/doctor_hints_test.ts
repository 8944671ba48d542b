/**
 * Every command a `doctor` hint prints works when pasted into a shell, and does what the hint
 * says, on every kind of file doctor reports on.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../_assert.ts";
import { cli, cliJson, FIXTURES, pasteIntoBash, tempDir } from "../_cli.ts";
import { addHistory } from "../_history.ts";
import { makeGoDockswapDb } from "../fixtures/make_go_dockswap_db.ts";

interface Check {
  check: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  hint: string | null;
}

const WEB_API = `${FIXTURES}apps/web-api.yaml`;

/**
 * The command lines inside a text, each up to a `;` or `)` outside quotes. Hints name the
 * database of every command with --db, so that it works pasted anywhere.
 */
function commandsIn(text: string): string[] {
  const commands: string[] = [];
  let at = text.indexOf("dockswap-db --db ");
  while (at >= 0) {
    let end = at;
    let quoted = false;
    while (end < text.length && (quoted || (text[end] !== ";" && text[end] !== ")"))) {
      if (text[end] === "'") quoted = !quoted;
      end++;
    }
    commands.push(text.slice(at, end).replace(/[.,`]+$/, "").trim());
    at = text.indexOf("dockswap-db --db ", end);
  }
  return commands;
}

/**
 * The database and its side files as they are now, and a function that puts them back: each
 * hint is pasted on the file as doctor saw it, since a person may paste any one of them alone.
 */
async function snapshot(db: string): Promise<() => Promise<void>> {
  const paths = [db, `${db}-wal`, `${db}-shm`, `${db}-journal`];
  const saved = new Map<string, { bytes: Uint8Array; mode: number }>();
  for (const path of paths) {
    try {
      const mode = (await Deno.stat(path)).mode! & 0o777;
      saved.set(path, { bytes: await Deno.readFile(path), mode });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return async () => {
    for (const path of paths) {
      const file = saved.get(path);
      if (file) {
        await Deno.writeFile(path, file.bytes);
        await Deno.chmod(path, file.mode);
      } else {
        await Deno.remove(path).catch((error) => {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        });
      }
    }
  };
}

async function doctor(db: string): Promise<{ code: number; checks: Check[]; stderr: string }> {
  const run = await cli(["--db", db, "--json", "doctor"]);
  const checks = run.stdout === "" ? [] : (JSON.parse(run.stdout).checks as Check[]);
  return { code: run.code, checks, stderr: run.stderr };
}

/** The kinds of file doctor reports on, each built in `dir` at `db`. */
const KINDS: Record<string, (db: string, dir: string) => Promise<void> | void> = {
  "healthy file": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    addHistory(db, { app: "web-api", deployments: 3 });
  },
  "Go dockswap file, not yet adopted": (db) => void makeGoDockswapDb(db),
  "SQLite file of another program": (db) => {
    const other = new DatabaseSync(db);
    other.exec(
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x')",
    );
    other.close();
  },
  "file that is not SQLite": (db) =>
    Deno.writeTextFileSync(db, "plain text, not a database\n".repeat(200)),
  "empty file": (db) => Deno.writeFileSync(db, new Uint8Array()),
  "path where no file is": () => {},
  "damaged file": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    addHistory(db, { app: "web-api", deployments: 20 });
    // Garbage over an index page.
    const raw = new DatabaseSync(db);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const { root, size } = raw.prepare(
      `SELECT rootpage AS root, (SELECT page_size FROM pragma_page_size) AS size
         FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'deployment_events' LIMIT 1`,
    ).get() as { root: number; size: number };
    raw.close();
    const file = Deno.openSync(db, { write: true });
    file.seekSync((root - 1) * size, Deno.SeekMode.Start);
    file.writeSync(new Uint8Array(size).fill(7));
    file.close();
  },
  "file with damage that only integrity_check sees": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    const yaml = await Deno.readTextFile(WEB_API);
    for (let i = 0; i < 8; i++) {
      await cliJson(db, ["config", "add", "-"], { stdin: `${yaml}# ${i} ${"z".repeat(3000)}\n` });
    }
    const raw = new DatabaseSync(db);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    raw.close();
    // Bytes inside a page of config text: the row still reads, the page's layout does not add up.
    const size = Deno.statSync(db).size;
    const file = Deno.openSync(db, { write: true });
    file.seekSync(size - 3 * 4096 + 200, Deno.SeekMode.Start);
    file.writeSync(new Uint8Array(300).fill(7));
    file.close();
  },
  "file with a stuck deployment": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    addHistory(db, {
      app: "web-api",
      deployments: 2,
      inFlight: true,
      inFlightSince: "2026-01-01T00:00:00.000Z",
    });
  },
  "file with a failed app": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    await cliJson(db, ["deploy", "start", "web-api", "--image", "web-api:1"]);
    await cliJson(db, ["deploy", "event", "--app", "web-api", "container_failed"]);
  },
  "file whose state a crash left in flight": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    addHistory(db, { app: "web-api", deployments: 2 });
    const raw = new DatabaseSync(db);
    raw.exec("UPDATE current_state SET status = 'draining' WHERE app_name = 'web-api'");
    raw.close();
  },
  "file whose state was edited by hand": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    const ids = addHistory(db, { app: "web-api", deployments: 2 });
    const raw = new DatabaseSync(db);
    raw.prepare("UPDATE current_state SET deployment_id = ? WHERE app_name = 'web-api'")
      .run(ids.deployments[0]);
    raw.close();
  },
  "file in rollback-journal mode": async (db) => {
    await cliJson(db, ["config", "add", WEB_API]);
    const raw = new DatabaseSync(db);
    raw.exec("PRAGMA journal_mode = DELETE");
    raw.close();
  },
};

for (const [kind, build] of Object.entries(KINDS)) {
  Deno.test(`doctor on ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}: every command it suggests works pasted and does what it says`, async () => {
    await using dir = await tempDir();
    const elsewhere = `${dir.path}/elsewhere`;
    await Deno.mkdir(elsewhere);
    const db = `${dir.path}/${kind.replaceAll(/\W+/g, "-")}.db`;
    await build(db, dir.path);
    const before = await doctor(db);
    if (kind === "path where no file is") assertEquals(before.code, 3, before.stderr);
    if (kind.includes("damage")) {
      assert(before.checks.some((c) => c.status === "fail"), JSON.stringify(before.checks));
    }
    // Hints, and the message of a refusal, are what a person would paste.
    const advice = [
      ...before.checks.flatMap((c) => c.hint ? [{ check: c.check, text: c.hint }] : []),
      { check: "", text: before.stderr },
    ];
    const restore = await snapshot(db);
    for (const { check, text } of advice) {
      for (const command of commandsIn(text)) {
        await restore();
        const run = await pasteIntoBash(command, elsewhere);
        assertEquals(run.code, 0, `${kind}, ${check}: ${command}\n${run.stderr}`);
        if (/ history \S+$/.test(command)) {
          // Shown so that the state can be corrected by hand: it lists the app's deployments.
          assert(run.stdout.includes(command.split(" ").at(-1)!), run.stdout);
          continue;
        }
        // Anything else claims to fix what its check reported.
        const after = await doctor(db);
        const now = after.checks.find((c) => c.check === check);
        assertEquals(now?.status, "ok", `${kind}: after ${command}: ${JSON.stringify(now)}`);
      }
    }
  });
}
