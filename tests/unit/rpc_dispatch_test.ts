/**
 * Dispatch and transport without a subprocess: group commit on a real database file, and the
 * transport fed by in-memory streams.
 */
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { openDatabase } from "../../src/db/open.ts";
import { DockswapError, ERROR_CODES } from "../../src/errors.ts";
import { defineOperation, type Operation } from "../../src/operations/operation.ts";
import { quickCheck } from "../../src/operations/quick_params.ts";
import { Dispatcher, fileWriter, MethodTable, serve } from "../../src/rpc/mod.ts";
import { PROTOCOL_ERRORS } from "../../src/rpc/envelope.ts";
import type { Frame } from "../../src/rpc/framing.ts";
import { nowIso } from "../../src/time.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { query } from "../_db.ts";

// Test operations over a scratch table, so that a request can write and then fail.
const FAILURES = ["domain", "bug", "busy"] as const;
/** How many times t.insert has run, to see a group replayed. */
let insertRuns = 0;
/** How many times t.insert's quick check of its params has run. */
let insertQuickChecks = 0;

const insertParams = z.strictObject({
  x: z.number().int(),
  fail: z.enum(FAILURES).optional(),
  rows: z.number().int().optional(),
});
const quickInsertParams = quickCheck(
  insertParams,
  (p) =>
    Number.isSafeInteger(p.x) && (p.rows === undefined || Number.isSafeInteger(p.rows)) &&
    (p.fail === undefined || (FAILURES as readonly unknown[]).includes(p.fail)),
);

function testOperations(dbPath: string): ReadonlyMap<string, Operation> {
  const insert = defineOperation({
    name: "t.insert",
    summary: "insert x, then fail as told",
    access: "write",
    params: insertParams,
    quickParams: (raw) => {
      insertQuickChecks++;
      return quickInsertParams(raw);
    },
    result: z.object({ x: z.number() }),
    run(context, params) {
      insertRuns++;
      for (let i = 0; i < (params.rows ?? 1); i++) {
        context.db.run("INSERT INTO t (x) VALUES (?)", params.x);
      }
      if (params.fail === "domain") throw new DockswapError("invalid_transition", "refused");
      if (params.fail === "bug") throw new TypeError("cannot read properties of undefined");
      if (params.fail === "busy") throw new DockswapError("database_busy", "locked");
      return { x: params.x };
    },
  });
  const count = defineOperation({
    name: "t.count",
    summary: "rows of t in this transaction",
    access: "read",
    params: z.strictObject({}),
    result: z.number(),
    run: (context) => context.db.get<{ n: number }>("SELECT count(*) AS n FROM t")!.n,
  });
  // What another connection sees: only what has been committed.
  const committed = defineOperation({
    name: "t.committed",
    summary: "rows of t another connection sees",
    access: "read",
    params: z.strictObject({}),
    result: z.number(),
    run() {
      const other = new DatabaseSync(dbPath, { readOnly: true });
      try {
        return (other.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;
      } finally {
        other.close();
      }
    },
  });
  return new Map([insert, count, committed].map((op) => [op.name, op as Operation]));
}

async function withDispatcher(
  work: (dispatcher: Dispatcher, path: string, notes: string[]) => Promise<void> | void,
  options: { maxCommitResponseBytes?: number } = {},
): Promise<void> {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  const db = openDatabase(path);
  db.exec("CREATE TABLE t (x INTEGER NOT NULL)");
  const notes: string[] = [];
  try {
    const dispatcher = new Dispatcher({
      context: { db, now: nowIso },
      methods: new MethodTable(testOperations(path)),
      onNotificationError: (method, error) => notes.push(`${method}: ${error.message}`),
      ...options,
    });
    await work(dispatcher, path, notes);
  } finally {
    db.close();
  }
}

function text(id: number | string | null | undefined, method: string, params?: unknown): string {
  const message: Record<string, unknown> = { jsonrpc: "2.0", method };
  if (id !== undefined) message.id = id;
  if (params !== undefined) message.params = params;
  return JSON.stringify(message);
}

function line(id: number | null | undefined, method: string, params?: unknown): Frame {
  return { kind: "line", text: text(id, method, params) };
}

function parse(lines: string[]) {
  return lines.map((l) => JSON.parse(l));
}

Deno.test("dispatch: a group is one transaction; a failing request undoes only its own writes", async () => {
  await withDispatcher((dispatcher, path) => {
    const responses = parse(dispatcher.answerAll([
      line(1, "t.insert", { x: 1 }),
      line(2, "t.insert", { x: 2, fail: "domain" }),
      line(3, "t.insert", { x: 3 }),
      line(4, "t.insert", { x: 4, fail: "bug" }),
      line(5, "t.count"),
      line(6, "t.committed"),
      line(undefined, "t.insert", { x: 7 }),
    ]));
    assertEquals(responses.length, 6);
    assertEquals(responses[0].result, { x: 1 });
    assertEquals(responses[1].error, {
      code: -32010,
      message: "refused",
      data: { code: "invalid_transition" },
    });
    assertEquals(responses[2].result, { x: 3 });
    assertEquals(responses[3].error.code, -32603);
    assertEquals(responses[3].error.data, { code: "internal" });
    assertStringIncludes(responses[3].error.message, "cannot read properties of undefined");
    // Inside the group the neighbours' writes are visible, yet nothing is committed before the end.
    assertEquals(responses[4].result, 2);
    assertEquals(responses[5].result, 0);
    assertEquals(query(path, "SELECT x FROM t ORDER BY x"), [{ x: 1 }, { x: 3 }, { x: 7 }]);
  });
});

Deno.test("dispatch: a group runs each request once; a failure replays it, undoing all of the failing request's writes", async () => {
  await withDispatcher((dispatcher, path) => {
    insertRuns = 0;
    dispatcher.answerAll([line(1, "t.insert", { x: 1 }), line(2, "t.insert", { x: 2 })]);
    assertEquals(insertRuns, 2);
    insertRuns = 0;
    const responses = parse(dispatcher.answerAll([
      line(3, "t.insert", { x: 3, rows: 2 }),
      line(4, "t.insert", { x: 4, rows: 3, fail: "domain" }),
      line(5, "t.count"),
      line(6, "t.insert", { x: 6, rows: 2 }),
      line(7, "t.count"),
    ]));
    // The group ran up to the failure (two inserts), was rolled back, and ran again (three).
    assertEquals(insertRuns, 5);
    assertEquals(responses.map((r) => r.result ?? r.error.data.code), [
      { x: 3 },
      "invalid_transition",
      4,
      { x: 6 },
      6,
    ]);
    assertEquals(
      query(path, "SELECT x, count(*) AS n FROM t GROUP BY x ORDER BY x"),
      [{ x: 1, n: 1 }, { x: 2, n: 1 }, { x: 3, n: 2 }, { x: 6, n: 2 }],
    );
  });
});

Deno.test("dispatch: params a quick check accepts are checked once per request, its replay included", async () => {
  await withDispatcher((dispatcher, path) => {
    insertQuickChecks = 0;
    insertRuns = 0;
    const responses = parse(dispatcher.answerAll([
      line(1, "t.insert", { x: 1 }),
      line(2, "t.insert", { x: 2 }),
      line(3, "t.insert", { x: 3, fail: "domain" }),
      line(4, "t.insert", { x: 4 }),
    ]));
    // Run up to the failure (three), rolled back, run again (four): params checked four times.
    assertEquals(insertRuns, 7);
    assertEquals(insertQuickChecks, 4);
    assertEquals(responses.map((r) => r.result ?? r.error.data.code), [
      { x: 1 },
      { x: 2 },
      "invalid_transition",
      { x: 4 },
    ]);
    assertEquals(query(path, "SELECT x FROM t ORDER BY x"), [{ x: 1 }, { x: 2 }, { x: 4 }]);
  });
});

Deno.test("dispatch: an error that may end SQLite's transaction reruns the group request by request", async () => {
  await withDispatcher((dispatcher, path) => {
    const responses = parse(dispatcher.answerAll([
      line(1, "t.insert", { x: 1 }),
      line(2, "t.insert", { x: 2, fail: "busy" }),
      line(3, "t.insert", { x: 3 }),
    ]));
    assertEquals(responses.map((r) => r.error?.data?.code ?? "ok"), ["ok", "database_busy", "ok"]);
    assertEquals(responses[1].error.code, -32030);
    assertEquals(query(path, "SELECT x FROM t ORDER BY x"), [{ x: 1 }, { x: 3 }]);
  });
});

Deno.test("dispatch: lines whose responses outgrow the budget commit in several steps, batches whole", async () => {
  await withDispatcher((dispatcher, path) => {
    const batch: Frame = {
      kind: "line",
      text: `[${text(3, "t.insert", { x: 3 })},${text(4, "t.committed")}]`,
    };
    const commits = [...dispatcher.handleGroup([
      line(1, "t.insert", { x: 1 }),
      line(2, "t.committed"),
      batch,
      line(5, "t.committed"),
      { kind: "line", text: "{" },
    ])].map((lines) => parse(lines as string[]));
    // Each commit closes once its responses pass 1 byte: after every line that runs something,
    // never inside a batch.
    assertEquals(commits.length, 4);
    assertEquals(commits[0], [{ jsonrpc: "2.0", id: 1, result: { x: 1 } }]);
    assertEquals(commits[1], [{ jsonrpc: "2.0", id: 2, result: 1 }]);
    assertEquals(commits[2], [[
      { jsonrpc: "2.0", id: 3, result: { x: 3 } },
      { jsonrpc: "2.0", id: 4, result: 1 },
    ]]);
    // A line that runs nothing (here: unreadable) joins the commit in progress.
    assertEquals(commits[3].map((r: { id: unknown; result?: unknown }) => [r.id, r.result]), [
      [5, 2],
      [null, undefined],
    ]);
    assertEquals(query(path, "SELECT x FROM t ORDER BY x"), [{ x: 1 }, { x: 3 }]);
    // Stopping after the first commit leaves the rest unrun.
    const steps = dispatcher.handleGroup([
      line(7, "t.insert", { x: 7 }),
      line(8, "t.insert", { x: 8 }),
    ]);
    assertEquals(parse(steps.next().value as string[]), [{
      jsonrpc: "2.0",
      id: 7,
      result: { x: 7 },
    }]);
    steps.return(undefined);
    assertEquals(query(path, "SELECT x FROM t ORDER BY x"), [{ x: 1 }, { x: 3 }, { x: 7 }]);
  }, { maxCommitResponseBytes: 1 });
});

Deno.test("dispatch: read-only and builtin groups, notifications, and batches", async () => {
  await withDispatcher((dispatcher, path, notes) => {
    assertEquals(parse(dispatcher.answerAll([line(1, "t.count"), line(2, "ping")])), [
      { jsonrpc: "2.0", id: 1, result: 0 },
      { jsonrpc: "2.0", id: 2, result: {} },
    ]);
    const batch: Frame = {
      kind: "line",
      text: `[${
        [
          text(1, "t.insert", { x: 1 }),
          text(undefined, "t.insert", { x: 2, fail: "domain" }),
          text(null, "t.committed"),
        ].join(",")
      }]`,
    };
    const [answer] = parse(dispatcher.answerAll([batch]));
    assertEquals(answer, [
      { jsonrpc: "2.0", id: 1, result: { x: 1 } },
      { jsonrpc: "2.0", id: null, result: 0 },
    ]);
    assertEquals(notes, ["t.insert: refused"]);
    assertEquals(query(path, "SELECT x FROM t"), [{ x: 1 }]);
    assertEquals(dispatcher.answerAll([line(undefined, "ping"), line(undefined, "nope")]), []);
  });
});

Deno.test("dispatch: a line read alone is answered, and writes, as it is in a group", async () => {
  // The same lines on two databases: each alone (the lone-request path), and each beside a ping
  // notification, which is never answered and touches nothing (the group path).
  const lines = [
    text(1, "t.insert", { x: 1 }),
    text("a", "t.insert", { x: 2, rows: 3, fail: "domain" }),
    text(12345678901234567890, "t.insert", { x: 3, rows: 2 }),
    text(null, "t.insert", { x: 4, fail: "bug" }),
    text(5, "t.insert", { x: 5, rows: 2, fail: "busy" }),
    text(undefined, "t.insert", { x: 6 }),
    text(undefined, "t.insert", { x: 7, fail: "domain" }),
    text(8, "t.count"),
    text(9, "t.committed"),
    text(10, "t.insert", { x: "not a number" }),
    text(11, "t.insert", [1]),
    text(12, "t.nope"),
    text(13, "ping"),
    `{"jsonrpc":"2.0","id":1.50,"method":"t.insert","params":{"x":14}}`,
    `{"jsonrpc":"2.0","id":"\u00e9","method":"t.insert","params":{"x":15}}`,
    `[${text(16, "t.insert", { x: 16 })}]`,
    `{"jsonrpc":"2.0","id":17,"method":"t.insert","params":{"x":17},"extra":1}`,
    `{"jsonrpc":"2.0","id":18,"method":"t.insert","params":{"x":18}`,
  ];
  const ping: Frame = { kind: "line", text: text(undefined, "ping") };
  const answered: string[][] = [];
  const notes: string[][] = [];
  const runs: number[] = [];
  for (const inGroup of [false, true]) {
    await withDispatcher((dispatcher, path, noted) => {
      insertRuns = 0;
      const out: string[] = [];
      for (const text of lines) {
        const frame: Frame = { kind: "line", text };
        out.push(...dispatcher.answerAll(inGroup ? [frame, ping] : [frame]));
      }
      out.push(JSON.stringify(query(path, "SELECT x FROM t ORDER BY rowid")));
      answered.push(out);
      notes.push(noted);
      runs.push(insertRuns);
    });
  }
  assertEquals(answered[0], answered[1]);
  assertEquals(notes[0], notes[1]);
  assertEquals(answered[0].at(-1), JSON.stringify([1, 3, 3, 6, 14, 15, 16].map((x) => ({ x }))));
  // Alone, a request runs once, and a failure (but for a busy lock) then runs as in a group
  // (twice): 6 successes, 3 failures, 1 busy. In a group, each failure runs twice.
  assertEquals(runs, [6 + 3 * 3 + 1, 6 + 3 * 2 + 2]);
});

Deno.test("dispatch: rpc.discover describes the served methods with their JSON Schemas", async () => {
  await withDispatcher((dispatcher) => {
    const [response] = parse(dispatcher.answerAll([line(1, "rpc.discover")]));
    const methods = response.result.methods as { name: string; params: { properties: object } }[];
    assertEquals(methods.map((m) => m.name), [
      "t.insert",
      "t.count",
      "t.committed",
      "ping",
      "rpc.discover",
    ]);
    assertEquals(Object.keys(methods[0].params.properties), ["x", "fail", "rows"]);
  });
});

/** An in-memory input whose lines the test feeds, and an output that records each write. */
function pipes() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const input = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const writes: string[] = [];
  let onWrite: (text: string) => void = () => {};
  const output = {
    write(chunk: Uint8Array) {
      const text = new TextDecoder().decode(chunk);
      writes.push(text);
      onWrite(text);
      return Promise.resolve();
    },
  };
  return {
    input,
    output,
    writes,
    send: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
    onWrite: (f: (text: string) => void) => void (onWrite = f),
  };
}

Deno.test("transport: lines read together run as one group; responses are written per group", async () => {
  const io = pipes();
  const groups: number[] = [];
  io.send("a\nb\nc\n");
  io.end();
  const end = await serve({
    input: io.input,
    output: io.output,
    handleGroup: (frames) => {
      groups.push(frames.length);
      return [frames.map((f) => JSON.stringify(f))];
    },
  });
  assertEquals(end, "eof");
  assertEquals(groups, [3]);
  assertEquals(io.writes.length, 1);
  assertEquals(io.writes[0].split("\n").length, 4);
});

Deno.test("transport: a client that waits for each response gets it without sending more", async () => {
  const io = pipes();
  let answered = 0;
  io.onWrite(() => {
    answered++;
    if (answered < 5) io.send(`${answered}\n`);
    else io.end();
  });
  io.send("0\n");
  const deadlock = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve("deadlock: the server waited for more input"), 20_000);
    Deno.unrefTimer(timer);
  });
  const end = await Promise.race([
    serve({
      input: io.input,
      output: io.output,
      handleGroup: (frames) => [frames.map(() => "{}")],
    }),
    deadlock,
  ]);
  assertEquals(end, "eof");
  assertEquals(answered, 5);
});

/** A ByteReader fed by the test, one chunk per read, that logs when each read starts. */
function scriptedInput(log: string[]) {
  const chunks: Uint8Array[] = [];
  let waiting: (() => void) | undefined;
  let ended = false;
  return {
    send(text: string) {
      chunks.push(new TextEncoder().encode(text));
      waiting?.();
    },
    end() {
      ended = true;
      waiting?.();
    },
    async read(buffer: Uint8Array): Promise<number | null> {
      log.push("read");
      while (chunks.length === 0 && !ended) await new Promise<void>((r) => waiting = r);
      const chunk = chunks.shift();
      if (chunk === undefined) return null;
      buffer.set(chunk);
      return chunk.length;
    },
  };
}

/** Waits until `done` holds; fails after two seconds (a server that stopped reading). */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("transport: after a second line in a row that came alone, the next read starts once its answer is written", async () => {
  const log: string[] = [];
  const input = scriptedInput(log);
  let writes = 0;
  const output = {
    write: async (chunk: Uint8Array) => {
      log.push(`write ${new TextDecoder().decode(chunk).trim()}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push("written");
      if (++writes === 1) input.send("b\n");
      else if (writes === 2) input.send("c\nd\n");
      else input.end();
    },
  };
  input.send("a\n");
  const end = await serve({ input, output, handleGroup: (frames) => [frames.map(() => "{}")] });
  assertEquals(end, "eof");
  // "a" came alone first: reading goes on while its answer is written. "b" came alone after it:
  // no read while its answer is written. "c" and "d" came together: reading goes on.
  assertEquals(log, [
    ...["read", "read", "write {}", "written"],
    ...["write {}", "written", "read"],
    ...["read", "write {}\n{}", "written"],
  ]);
});

Deno.test("transport: a write that stays pending lets reading go ahead after lines that came alone", async () => {
  const log: string[] = [];
  const input = scriptedInput(log);
  const groups: number[] = [];
  let unblock: (() => void) | undefined;
  const output = {
    write: (chunk: Uint8Array) => {
      log.push(`write ${chunk.length}`);
      // The second answer is not drained until the client has sent two more lines.
      return groups.length === 2 ? new Promise<void>((r) => unblock = r) : Promise.resolve();
    },
  };
  input.send("a\n");
  const serving = serve({
    input,
    output,
    handleGroup: (frames) => {
      groups.push(frames.length);
      return [frames.map(() => "{}")];
    },
  });
  await until(() => log.length === 3, "the first answer written");
  input.send("b\n");
  await until(() => log.length === 5, "a read while the second answer's write is pending");
  // The write of b's answer is still pending, and reading went on regardless.
  assertEquals(log, ["read", "read", "write 3", "write 3", "read"]);
  input.send("c\n");
  input.send("d\n");
  await until(() => log.filter((l) => l === "read").length === 5, "c and d read");
  unblock!();
  input.end();
  assertEquals(await serving, "eof");
  assertEquals(groups, [1, 1, 2]);
});

Deno.test("transport: while a method that runs alone is awaited, lines that come alone are read on", async () => {
  const log: string[] = [];
  const input = scriptedInput(log);
  let finishAlone: ((lines: string[]) => void) | undefined;
  const output = {
    write: (chunk: Uint8Array) => (log.push(`write ${chunk.length}`), Promise.resolve()),
  };
  let groups = 0;
  const serving = serve({
    input,
    output,
    // The second group stands for db.export: its answer waits for a file.
    handleGroup: () => ++groups === 2 ? [new Promise<string[]>((r) => finishAlone = r)] : [["{}"]],
  });
  input.send("a\n");
  await until(() => log.includes("write 3"), "the first answer written");
  input.send("b\n");
  await until(() => finishAlone !== undefined, "the method that runs alone started");
  input.send("c\n");
  await until(() => log.filter((l) => l === "read").length === 4, "a read after c");
  finishAlone!(["{}"]);
  input.end();
  assertEquals(await serving, "eof");
});

Deno.test("transport: stopping answers the group in progress and reads no further", async () => {
  const io = pipes();
  const stop = new AbortController();
  const seen: string[] = [];
  io.send("1\n2\n");
  const serving = serve({
    input: io.input,
    output: io.output,
    signal: stop.signal,
    handleGroup: (frames) => {
      seen.push(...frames.map((f) => f.kind === "line" ? f.text : f.kind));
      stop.abort(); // as a signal arriving while the group runs
      return [frames.map(() => "{}")];
    },
  });
  assertEquals(await serving, "stopped");
  assertEquals(seen, ["1", "2"]);
  assertEquals(io.writes, ["{}\n{}\n"]);
  // An idle server stops at once.
  const idle = pipes();
  const idleStop = new AbortController();
  const idleServing = serve({
    input: idle.input,
    output: idle.output,
    signal: idleStop.signal,
    handleGroup: () => [],
  });
  idleStop.abort();
  assertEquals(await idleServing, "stopped");
});

Deno.test("transport: a signal between two commits of one group stops before the second", async () => {
  const io = pipes();
  const stop = new AbortController();
  const ran: number[] = [];
  io.send("1\n");
  const end = await serve({
    input: io.input,
    output: io.output,
    signal: stop.signal,
    *handleGroup() {
      ran.push(1);
      stop.abort();
      yield ["{}"];
      ran.push(2);
      yield ["{}"];
    },
  });
  assertEquals(end, "stopped");
  assertEquals(ran, [1]);
  assertEquals(io.writes, ["{}\n"]);
});

Deno.test("transport: a file read into one reused buffer gives every line whole, however the reads cut it", async () => {
  // Reads as Deno.stdin does: into the caller's buffer, a few bytes at a time, so that lines are
  // cut mid-character and the buffer is overwritten while a cut line waits for its end.
  const text = 'first\n{"\u00e9t\u00e9":"\u2603"}\n\nthird line, longer than a read\nlast';
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const file = {
    read(buffer: Uint8Array): Promise<number | null> {
      if (offset >= bytes.length) return Promise.resolve(null);
      buffer.fill(0x2a);
      const n = Math.min(3, buffer.length, bytes.length - offset);
      buffer.set(bytes.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    },
  };
  const seen: string[] = [];
  const end = await serve({
    input: file,
    output: { write: () => Promise.resolve() },
    handleGroup: (frames) => {
      seen.push(...frames.map((f) => f.kind === "line" ? f.text : f.kind));
      return [];
    },
  });
  assertEquals(end, "eof");
  assertEquals(seen, [
    "first",
    '{"\u00e9t\u00e9":"\u2603"}',
    "third line, longer than a read",
    "last",
  ]);
});

Deno.test("transport: fileWriter writes every byte of a response, in order, through short writes", async () => {
  const written: number[] = [];
  const file = {
    write(bytes: Uint8Array): Promise<number> {
      const n = Math.min(5, bytes.length);
      written.push(...bytes.subarray(0, n));
      return Promise.resolve(n);
    },
  };
  const io = pipes();
  io.send("a\nb\n");
  io.end();
  const end = await serve({
    input: io.input,
    output: fileWriter(file),
    handleGroup: (frames) => [frames.map((f) => JSON.stringify({ echo: f, pad: "x".repeat(40) }))],
  });
  assertEquals(end, "eof");
  const lines = new TextDecoder().decode(new Uint8Array(written)).split("\n");
  assertEquals(lines.length, 3);
  assertEquals(JSON.parse(lines[1]).echo, { kind: "line", text: "b" });
});

Deno.test("transport: a closed output ends serving without throwing", async () => {
  const io = pipes();
  io.send("1\n");
  const notes: string[] = [];
  const end = await serve({
    input: io.input,
    output: { write: () => Promise.reject(new Error("Broken pipe (os error 32)")) },
    handleGroup: () => [["{}"]],
    onError: (text) => notes.push(text),
  });
  assertEquals(end, "output_closed");
  assert(notes[0].includes("Broken pipe"));
});

Deno.test("dispatch: a data.code names one error: protocol errors and the error table never overlap", () => {
  const table = Object.entries(ERROR_CODES);
  for (const [name, number] of Object.entries(PROTOCOL_ERRORS)) {
    const clashes = table.filter(([code, { rpc }]) => code === name || rpc === (number as number));
    assertEquals(clashes, [], name);
  }
});
