/**
 * Export under kills: an incremental export (`--cursor` with `--output`) is SIGKILLed on entry
 * to each call that changes files (fsync, rename, link, unlink), one call per run, using
 * strace's fault injection: the n-th call of a kind kills the process before it happens, for
 * n = 1, 2, ... until a run gets through. Each kill is followed by the retries a scheduled job
 * makes: first under the same output name, then under a new one. Whatever the kill hit, no
 * delivered file is replaced and every row is in exactly one delivered file.
 */
import { assert, assertEquals } from "../_assert.ts";
import { cleanEnv, cli, commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { addHistory } from "../_history.ts";

const STRACE_INJECTS = (() => {
  try {
    return new Deno.Command("strace", {
      args: [
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        "trace=getpid",
        "-e",
        "inject=getpid:retval=1",
        "true",
      ],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
})();
if (!STRACE_INJECTS) console.log("[export] strace cannot inject faults here: kill test ignored");

/** The calls a kill is injected before; each name covers the variants the kernel offers. */
const STEPS = [
  "fsync,fdatasync",
  "rename,renameat,renameat2",
  "link,linkat",
  "unlink,unlinkat",
];

/** `dockswap-db ARGS`, killed on entry to the `nth` call of `calls`; true when it was killed. */
async function exportKilledAt(calls: string, nth: number, args: string[]): Promise<boolean> {
  const out = await new Deno.Command("strace", {
    args: [
      "-f",
      "-qq",
      "-o",
      "/dev/null",
      "-e",
      `trace=${calls}`,
      "-e",
      `inject=${calls}:signal=SIGKILL:when=${nth}`,
      EXECUTABLE,
      ...commandLine(),
      ...args,
    ],
    env: cleanEnv(),
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).output();
  const killed = out.signal === "SIGKILL" || out.code === 128 + 9;
  if (!killed) assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return killed;
}

type Row = { kind: string; id?: number };

function rowsOf(path: string): Row[] {
  return Deno.readTextFileSync(path).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

function readOrNull(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

Deno.test({
  name:
    "export: killed at every file step, then retried under the same name and a new one: no file replaced, every row in exactly one file",
  ignore: !STRACE_INJECTS,
  async fn() {
    await using base = await tempDir();
    const seed = `${base.path}/seed.db`;
    const added = await cli(["--db", seed, "config", "add", `${FIXTURES}apps/web-api.yaml`]);
    assertEquals(added.code, 0, added.stderr);
    addHistory(seed, { app: "web-api", deployments: 3 });
    let killedInWindow = 0;
    let points = 0;
    for (const calls of STEPS) {
      for (let nth = 1;; nth++) {
        const point = `${calls.split(",")[0]} #${nth}`;
        await using dir = await tempDir();
        const db = `${dir.path}/d.db`;
        Deno.copyFileSync(seed, db);
        const cursor = `${dir.path}/export.cursor`;
        // A first delivered file, so the killed run moves a cursor that already exists.
        const first = `${dir.path}/history-1.ndjson`;
        assertEquals(
          (await cli(["--db", db, "export", "--cursor", cursor, "--output", first])).code,
          0,
        );
        const cursorBefore = readOrNull(cursor);
        addHistory(db, { app: "worker", deployments: 2 });

        const killedName = `${dir.path}/history-2.ndjson`;
        const args = ["--db", db, "export", "--cursor", cursor, "--output", killedName];
        if (!(await exportKilledAt(calls, nth, args))) break;
        points++;
        const left = readOrNull(killedName);
        if (left !== null && readOrNull(cursor) === cursorBefore) killedInWindow++;

        // More history, then the retries: the same name (a catch-up run), then a new one.
        addHistory(db, { app: "billing", deployments: 1 });
        const same = await cli(args);
        if (left === null) assertEquals(same.code, 0, `${point}: ${same.stderr}`);
        else {
          assertEquals(same.code, 8, `${point}: a delivered file was not refused: ${same.stderr}`);
          assertEquals(readOrNull(killedName), left, `${point}: a delivered file was replaced`);
        }
        const next = `${dir.path}/history-3.ndjson`;
        const retry = await cli(["--db", db, "export", "--cursor", cursor, "--output", next]);
        assertEquals(retry.code, 0, `${point}: ${retry.stderr}`);

        const delivered = [first, killedName, next].filter((f) => readOrNull(f) !== null);
        const rows = delivered.flatMap(rowsOf);
        for (
          const [kind, table] of [
            ["config", "app_configs"],
            ["deployment", "deployments"],
            ["event", "deployment_events"],
          ]
        ) {
          const ids = rows.filter((r) => r.kind === kind).map((r) => r.id!).toSorted((a, b) =>
            a - b
          );
          const all = query<{ id: number }>(db, `SELECT id FROM ${table} ORDER BY id`).map((r) =>
            r.id
          );
          assertEquals(ids, all, `${point}: ${kind} rows not each in exactly one file`);
        }
      }
    }
    assert(points >= 8, `only ${points} kill points were reached`);
    assert(killedInWindow > 0, "no kill landed between the output's publication and the cursor");
  },
});
