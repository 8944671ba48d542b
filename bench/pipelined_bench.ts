/**
 * Benchmark 2, pipelined: a stream of lifecycle requests (per app config.add, deploy.start and
 * five deploy.event) written to the real `dockswap-db rpc` server without waiting, against a raw
 * node:sqlite loop doing the same statements; both are whole processes, timed from their start to
 * their exit.
 */
import {
  atLeast,
  type BenchOptions,
  type BenchReport,
  median,
  reported,
  timeMs,
} from "./_harness.ts";
import { prepareEntry, RpcServer } from "./_dockswap.ts";
import { HAPPY_EVENTS, RequestLines } from "./_lifecycle.ts";
import { createSchema } from "./_schema.ts";

const PER_APP = 2 + HAPPY_EVENTS.length;
const RAW_SCRIPT = new URL("./raw_lifecycle.ts", import.meta.url).pathname;

/** Pipelined lifecycle stream, process start included: ours/raw throughput, target 0.6. */
export async function pipelined(options: BenchOptions): Promise<BenchReport> {
  const apps = Math.round((options.quick ? 7_000 : 100_000) / PER_APP);
  const requests = apps * PER_APP;
  const rounds = options.quick ? 3 : 5;
  const entry = await prepareEntry();

  const lines = new RequestLines(1);
  for (let i = 0; i < apps; i++) {
    lines.start(i);
    for (let k = 0; k < HAPPY_EVENTS.length; k++) lines.event(i, k);
  }
  // Each run gets a fresh file whose schema exists already (for both sides, untimed).
  let run = 0;
  const freshFile = () => {
    const path = `${options.dir}/pipelined-${run++}.db`;
    createSchema(path);
    return path;
  };
  const ours = async () => {
    const path = freshFile();
    return await timeMs(async () => {
      const server = new RpcServer(entry, path);
      await server.pipeline(lines.lines);
      await server.close();
    });
  };
  const raw = async (commitEvery: "run" | "app") => {
    const path = freshFile();
    return await timeMs(async () => {
      const result = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--no-config", "-A", RAW_SCRIPT, path, String(apps), commitEvery],
        stderr: "inherit",
      }).output();
      if (!result.success) throw new Error("raw_lifecycle.ts failed");
    });
  };
  const oursMs: number[] = [];
  const rawRunMs: number[] = [];
  const rawAppMs: number[] = [];
  // Alternated, so that drift of a shared machine touches all three.
  for (let i = 0; i < rounds; i++) {
    oursMs.push(await ours());
    rawRunMs.push(await raw("run"));
    rawAppMs.push(await raw("app"));
  }
  const o = median(oursMs);
  const rawRun = median(rawRunMs);
  const rawApp = median(rawAppMs);
  const rate = (ms: number) => requests / (ms / 1000);
  const list = (values: number[]) => values.map((ms) => (ms / 1000).toFixed(2)).join(", ");
  return {
    id: 2,
    title: "Pipelined lifecycle stream",
    method: `${requests.toLocaleString("en-US")} requests (${apps.toLocaleString("en-US")} apps ` +
      `× config.add, deploy.start, five deploy.event) written to the real \`dockswap-db rpc\` ` +
      `subprocess without waiting, every response checked, against \`bench/raw_lifecycle.ts\`: ` +
      `the same statements on node:sqlite in one transaction (WAL, synchronous=FULL, foreign ` +
      `keys on), as a user would write them. Both are timed as whole processes, from spawn to ` +
      `exit, on a file whose schema exists; median of ${rounds} alternated runs. The raw loop ` +
      `runs the statements the operations run (the same reads, whose values it ignores: it knows ` +
      `each transition in advance), hashes each config with SHA-256 and chains each event's hash ` +
      `as docs/monitoring.md defines it (its file passes \`verify\`); it skips what the server ` +
      `does besides SQL: loading the program, JSON-RPC framing and parsing, parameter ` +
      `validation, parsing and validating the config YAML, the state machine's checks, building ` +
      `and serializing results, and being able to undo a failing request alone.`,
    figures: [
      atLeast({
        label: "pipelined requests",
        ours: rate(o),
        baseline: rate(rawRun),
        unit: "req/s",
        ratio: rawRun / o,
        ratioMeaning: "ours/raw throughput",
      }, 0.6),
      reported({
        label: "pipelined vs raw, one commit per app",
        ours: rate(o),
        baseline: rate(rawApp),
        unit: "req/s",
        ratio: rawApp / o,
        ratioMeaning: "ours/raw throughput",
      }),
    ],
    details: [
      `Wall times, s: ours ${list(oursMs)}; raw, one transaction ${list(rawRunMs)}; raw, one ` +
      `per app ${list(rawAppMs)}.`,
    ],
  };
}
