/**
 * Benchmark 1, durable round trip: one deploy.event sent to the real `dockswap-db rpc` server,
 * answered (committed and fsynced) before the next is sent; against a raw node:sqlite loop doing
 * the same statements with one transaction per event and the same pragmas.
 */
import {
  atLeast,
  type BenchOptions,
  type BenchReport,
  isTmpfs,
  reported,
  timeMs,
} from "./_harness.ts";
import { echoServerArgs, prepareEntry, RpcServer } from "./_dockswap.ts";
import { HAPPY_EVENTS, RawLifecycle, RequestLines } from "./_lifecycle.ts";
import { createSchema } from "./_schema.ts";

/** Durable round trip: ours/raw throughput, target at least 0.6; the pipe's share beside it. */
export async function roundTrip(options: BenchOptions): Promise<BenchReport> {
  const events = options.quick ? 500 : 5_000;
  const apps = events / HAPPY_EVENTS.length;
  const entry = await prepareEntry();

  // Ours. Set-up (untimed, pipelined): each app has a config and a deployment in flight.
  const server = new RpcServer(entry, `${options.dir}/round-trip.db`);
  const setup = new RequestLines(1);
  for (let i = 0; i < apps; i++) setup.start(i);
  await server.pipeline(setup.lines);
  const calls = new RequestLines(setup.lines.length + 1);
  for (let k = 0; k < HAPPY_EVENTS.length; k++) for (let i = 0; i < apps; i++) calls.event(i, k);
  const oursMs = await timeMs(async () => {
    for (const line of calls.lines) await server.call(line);
  });
  await server.close();

  // The pipe alone: the same lines, each answered at once by a process that does nothing else.
  const echo = new RpcServer(entry, "", echoServerArgs());
  const echoMs = await timeMs(async () => {
    for (const line of calls.lines) {
      if ((await echo.roundTrip(line)) !== line) throw new Error("echo server garbled a line");
    }
  });
  await echo.close();

  // Raw: the same set-up in one transaction, then one transaction per event.
  createSchema(`${options.dir}/round-trip-raw.db`);
  const raw = new RawLifecycle(`${options.dir}/round-trip-raw.db`);
  raw.begin();
  for (let i = 0; i < apps; i++) {
    raw.addConfig(i);
    raw.startDeployment(i);
  }
  raw.commit();
  const rawMs = await timeMs(() => {
    for (let k = 0; k < HAPPY_EVENTS.length; k++) {
      for (let i = 0; i < apps; i++) {
        raw.begin();
        raw.event(i, k);
        raw.commit();
      }
    }
  });
  raw.close();

  const ours = events / (oursMs / 1000);
  const baseline = events / (rawMs / 1000);
  const tmpfs = await isTmpfs(options.dir);
  return {
    id: 1,
    title: "Durable round trip",
    method: `${events} deploy.event requests, each sent through the real \`dockswap-db rpc\` ` +
      `subprocess and answered before the next is sent (${apps} deployments in flight, five ` +
      `happy-path events each), against a raw node:sqlite loop in the benchmark process doing ` +
      `the same statements with one BEGIN IMMEDIATE/COMMIT per event, WAL, synchronous=FULL. ` +
      `Beside it, the same lines sent one at a time to \`bench/echo_server.ts\` (a Deno process ` +
      `that writes each line back) over the same kind of pipes: a server over pipes can at best ` +
      `answer in raw + echo time per event (the "pipe ceiling"). ` +
      `Database on ${tmpfs ? "tmpfs (fsync is free: not representative)" : "a real disk"}.`,
    figures: [
      atLeast({
        label: "round trips",
        ours,
        baseline,
        unit: "events/s",
        ratio: ours / baseline,
        ratioMeaning: "ours/raw throughput",
      }, 0.6),
      reported({
        label: "pipe ceiling (raw + echo round trip)",
        ours: events / ((rawMs + echoMs) / 1000),
        baseline,
        unit: "events/s",
        ratio: rawMs / (rawMs + echoMs),
        ratioMeaning: "ceiling/raw throughput",
      }),
    ],
    details: [
      `Mean latency: ours ${(oursMs / events).toFixed(3)} ms, raw ${
        (rawMs / events).toFixed(3)
      } ms, echo round trip ${(echoMs / events).toFixed(3)} ms per event.`,
    ],
  };
}
