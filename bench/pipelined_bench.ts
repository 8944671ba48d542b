/**
 * Benchmark 2, pipelined: a stream of lifecycle requests (per app config.add, deploy.start and
 * five deploy.event) written to the real `dockswap-db rpc` server without waiting, against a raw
 * node:sqlite loop doing the same work in one transaction.
 */
import { atLeast, type BenchOptions, type BenchReport, reported, timeMs } from "./_harness.ts";
import { prepareEntry, RpcServer } from "./_dockswap.ts";
import { HAPPY_EVENTS, RawLifecycle, RequestLines } from "./_lifecycle.ts";

const PER_APP = 2 + HAPPY_EVENTS.length;

/** Pipelined lifecycle stream: ours/raw throughput, target at least 0.5. */
export async function pipelined(options: BenchOptions): Promise<BenchReport> {
  const apps = Math.round((options.quick ? 7_000 : 100_000) / PER_APP);
  const requests = apps * PER_APP;
  const entry = await prepareEntry();

  const lines = new RequestLines(1);
  for (let i = 0; i < apps; i++) {
    lines.start(i);
    for (let k = 0; k < HAPPY_EVENTS.length; k++) lines.event(i, k);
  }
  const server = new RpcServer(entry, `${options.dir}/pipelined.db`);
  // The server has opened and migrated the database once this is answered.
  await server.call('{"jsonrpc":"2.0","id":0,"method":"ping"}');
  const oursMs = await timeMs(() => server.pipeline(lines.lines));
  await server.close();

  const rawRun = rawLoop(`${options.dir}/pipelined-raw-run.db`, apps, "run");
  const rawApp = rawLoop(`${options.dir}/pipelined-raw-app.db`, apps, "app");
  const rate = (ms: number) => requests / (ms / 1000);
  return {
    id: 2,
    title: "Pipelined lifecycle stream",
    method: `${requests.toLocaleString("en-US")} requests (${apps.toLocaleString("en-US")} apps ` +
      `× config.add, deploy.start, five deploy.event) written to the real \`dockswap-db rpc\` ` +
      `subprocess without waiting, timed from the first byte to the last response (every one ` +
      `checked), against a raw node:sqlite loop doing the same statements in one transaction ` +
      `(WAL, synchronous=FULL). The server commits what it has read as one group (one ` +
      `savepoint per request).`,
    figures: [
      atLeast({
        label: "pipelined requests",
        ours: rate(oursMs),
        baseline: rate(rawRun),
        unit: "req/s",
        ratio: rawRun / oursMs,
        ratioMeaning: "ours/raw throughput",
      }, 0.5),
      reported({
        label: "pipelined vs raw, one commit per app",
        ours: rate(oursMs),
        baseline: rate(rawApp),
        unit: "req/s",
        ratio: rawApp / oursMs,
        ratioMeaning: "ours/raw throughput",
      }),
    ],
    details: [],
  };
}

function rawLoop(path: string, apps: number, commitEvery: "run" | "app"): number {
  const raw = new RawLifecycle(path);
  const ms = performance.now();
  if (commitEvery === "run") raw.begin();
  for (let i = 0; i < apps; i++) {
    if (commitEvery === "app") raw.begin();
    raw.addConfig(i);
    raw.startDeployment(i);
    for (let k = 0; k < HAPPY_EVENTS.length; k++) raw.event(i, k);
    if (commitEvery === "app") raw.commit();
  }
  if (commitEvery === "run") raw.commit();
  const elapsed = performance.now() - ms;
  raw.close();
  return elapsed;
}
