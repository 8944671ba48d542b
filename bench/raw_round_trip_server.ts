/**
 * The raw loop of benchmark 1 behind the same pipes: a Deno process that commits each
 * `deploy.event` line with the raw loop's statements (one BEGIN IMMEDIATE/COMMIT, WAL,
 * synchronous=FULL) before writing a line back, reading and writing as the real server does.
 * No server that commits a request before answering it can beat this over pipes. It parses each
 * line's JSON only to know the app and event. `deno run bench/raw_round_trip_server.ts DB APPS`:
 * sets up APPS deployments in flight (the schema must exist), prints "ready", then serves.
 */
import { HAPPY_EVENTS, RawLifecycle } from "./_lifecycle.ts";

if (import.meta.main) {
  const [path, apps] = [Deno.args[0], Number(Deno.args[1])];
  const raw = new RawLifecycle(path);
  raw.begin();
  for (let i = 0; i < apps; i++) {
    raw.addConfig(i);
    raw.startDeployment(i);
  }
  raw.commit();
  const eventIndex = new Map<string, number>(HAPPY_EVENTS.map(([event], k) => [event, k]));
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const write = async (bytes: Uint8Array) => {
    for (let written = 0; written < bytes.length;) {
      written += await Deno.stdout.write(bytes.subarray(written));
    }
  };
  await write(encoder.encode("ready\n"));
  const buffer = new Uint8Array(64 * 1024);
  let pending = "";
  while (true) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) break;
    const text = pending + decoder.decode(buffer.subarray(0, n), { stream: true });
    const lines = text.split("\n");
    pending = lines.pop()!;
    const answers: string[] = [];
    for (const line of lines) {
      const { id, params } = JSON.parse(line);
      raw.begin();
      raw.event(Number(params.app_name.slice("app-".length)), eventIndex.get(params.event_type)!);
      raw.commit();
      answers.push(`{"jsonrpc":"2.0","id":${id},"result":null}\n`);
    }
    if (answers.length > 0) await write(encoder.encode(answers.join("")));
  }
  raw.close();
}
