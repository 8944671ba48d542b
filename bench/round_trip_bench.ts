/**
 * Benchmark 1, durable round trip: one deploy.event sent to the real `dockswap-db rpc` server,
 * answered (committed and fsynced) before the next is sent; against a raw node:sqlite loop doing
 * the same statements with one transaction per event and the same pragmas. Beside it, what the
 * pipes cost: an echo server, and the raw loop itself behind the same pipes.
 */
import {
  atLeast,
  type BenchOptions,
  type BenchReport,
  isTmpfs,
  reported,
  timeMs,
} from "./_harness.ts";
import { echoServerArgs, prepareEntry, rawRoundTripServerArgs, RpcServer } from "./_dockswap.ts";
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

  // The pipe alone: the same lines, each answered at once by a process that does nothing else.
  const echo = new RpcServer(entry, "", echoServerArgs());
  // The raw loop behind the same pipes: the best any server that commits before answering can do.
  createSchema(`${options.dir}/round-trip-raw-pipes.db`);
  const rawServer = new RpcServer(
    entry,
    "",
    rawRoundTripServerArgs(`${options.dir}/round-trip-raw-pipes.db`, apps),
  );
  if ((await rawServer.nextLine()) !== "ready") throw new Error("raw server did not start");

  // Raw: the same set-up in one transaction, then one transaction per event.
  createSchema(`${options.dir}/round-trip-raw.db`);
  const raw = new RawLifecycle(`${options.dir}/round-trip-raw.db`);
  raw.begin();
  for (let i = 0; i < apps; i++) {
    raw.addConfig(i);
    raw.startDeployment(i);
  }
  raw.commit();

  // The four take turns, one event of every app each, so that a change of load on a shared
  // machine falls on all of them.
  const ms = { ours: 0, echo: 0, rawPipes: 0, raw: 0 };
  const cpuMs = { ours: 0, echo: 0, rawPipes: 0, raw: 0 };
  const timed = async (
    name: keyof typeof ms,
    pid: number,
    work: () => unknown,
  ) => {
    const cpuBefore = await processCpuMs(pid);
    ms[name] += await timeMs(work);
    cpuMs[name] += await processCpuMs(pid) - cpuBefore;
  };
  for (let k = 0; k < HAPPY_EVENTS.length; k++) {
    const lines = calls.lines.slice(k * apps, (k + 1) * apps);
    await timed("ours", server.pid, async () => {
      for (const line of lines) await server.call(line);
    });
    await timed("echo", echo.pid, async () => {
      for (const line of lines) {
        if ((await echo.roundTrip(line)) !== line) throw new Error("echo server garbled a line");
      }
    });
    await timed("rawPipes", rawServer.pid, async () => {
      for (const line of lines) await rawServer.call(line);
    });
    await timed("raw", Deno.pid, () => {
      for (let i = 0; i < apps; i++) {
        raw.begin();
        raw.event(i, k);
        raw.commit();
      }
    });
  }
  await server.close();
  await echo.close();
  await rawServer.close();
  raw.close();

  const ours = events / (ms.ours / 1000);
  const baseline = events / (ms.raw / 1000);
  const perEvent = (value: number) => (value / events).toFixed(3);
  const tmpfs = await isTmpfs(options.dir);
  return {
    id: 1,
    title: "Durable round trip",
    method: `${events} deploy.event requests, each sent through the real \`dockswap-db rpc\` ` +
      `subprocess and answered before the next is sent (${apps} deployments in flight, five ` +
      `happy-path events each), against a raw node:sqlite loop in the benchmark process doing ` +
      `the same statements with one BEGIN IMMEDIATE/COMMIT per event, WAL, synchronous=FULL. ` +
      `Beside it, the same lines sent one at a time over the same kind of pipes to ` +
      `\`bench/echo_server.ts\` (a Deno process that writes each line back, reading and writing ` +
      `as the server does; raw + echo is the "pipe ceiling") and to ` +
      `\`bench/raw_round_trip_server.ts\` (the raw loop itself in a Deno process behind the pipes, ` +
      `committing each line before answering it). The four take turns, one event of every app ` +
      `each. Database on ${tmpfs ? "tmpfs (fsync is free: not representative)" : "a real disk"}.`,
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
        ours: events / ((ms.raw + ms.echo) / 1000),
        baseline,
        unit: "events/s",
        ratio: ms.raw / (ms.raw + ms.echo),
        ratioMeaning: "ceiling/raw throughput",
      }),
      reported({
        label: "raw loop behind the same pipes",
        ours: events / (ms.rawPipes / 1000),
        baseline,
        unit: "events/s",
        ratio: ms.raw / ms.rawPipes,
        ratioMeaning: "raw over pipes/raw throughput",
      }),
    ],
    details: [
      `Mean latency: ours ${perEvent(ms.ours)} ms, raw ${perEvent(ms.raw)} ms, echo round trip ` +
      `${perEvent(ms.echo)} ms, raw behind the pipes ${perEvent(ms.rawPipes)} ms per event.`,
      `CPU time (user + system) per event: our server ${perEvent(cpuMs.ours)} ms, the raw ` +
      `server behind the pipes ${perEvent(cpuMs.rawPipes)} ms, the echo server ` +
      `${perEvent(cpuMs.echo)} ms, the raw loop (benchmark process) ${perEvent(cpuMs.raw)} ms.`,
    ],
  };
}

/**
 * CPU time (user + system) a process has used, in ms; NaN where /proc cannot tell. Read through
 * `cat`: Deno lets a program read /proc only with every permission.
 */
async function processCpuMs(pid: number): Promise<number> {
  try {
    const { stdout } = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`] }).output();
    const stat = new TextDecoder().decode(stdout);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
