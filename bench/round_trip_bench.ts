/**
 * Benchmark 1, durable round trip: one deploy.event sent to the real `dockswap-db rpc` server,
 * answered (committed and fsynced) before the next is sent; against a raw node:sqlite loop doing
 * the same statements with one transaction per event and the same pragmas.
 */
import { atLeast, type BenchOptions, type BenchReport, isTmpfs, timeMs } from "./_harness.ts";
import { prepareEntry, RpcServer } from "./_dockswap.ts";
import { HAPPY_EVENTS, RawLifecycle, RequestLines } from "./_lifecycle.ts";

/** Durable round trip: ours/raw throughput, target at least 0.8. */
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

  // Raw: the same set-up in one transaction, then one transaction per event.
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
      `Database on ${tmpfs ? "tmpfs (fsync is free: not representative)" : "a real disk"}.`,
    figures: [
      atLeast({
        label: "round trips",
        ours,
        baseline,
        unit: "events/s",
        ratio: ours / baseline,
        ratioMeaning: "ours/raw throughput",
      }, 0.8),
    ],
    details: [
      `Mean latency: ours ${(oursMs / events).toFixed(3)} ms, raw ${
        (rawMs / events).toFixed(3)
      } ms per event.`,
    ],
  };
}
