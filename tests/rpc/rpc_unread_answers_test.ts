/**
 * A client that sends each request on its own line, pausing between them, and reads no answer
 * until it has sent them all: the read hold after lone lines (src/rpc/read_hold.ts) must let
 * reading ahead resume once an answer's write is stuck on a full pipe, or both pipes fill and
 * the client and the server wait for each other forever.
 */
import { FIXTURES, tempDir } from "../_cli.ts";
import { request, rpcLines, RpcProcess } from "../_rpc.ts";
import { assert, assertEquals } from "../_assert.ts";

const webApi = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`);

/** Rejects when `work` takes longer than `ms` (the sign of the two pipes both full). */
function within<T>(ms: number, what: string, work: Promise<T>, pid: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Killed, so that closing its stdin (which cannot drain) does not hang the test too.
      Deno.kill(pid, "SIGKILL");
      reject(new Error(`${what} stayed blocked ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

Deno.test("rpc: lone lines sent without reading large answers never deadlock, answers in order", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/unread.db`;
  const setup = [request(0, "config.add", { config_yaml: webApi })];
  for (let i = 0; i < 120; i++) {
    setup.push(
      request(`s${i}`, "deploy.start", { app_name: "web-api", image: `reg/web-api:${i}` }),
    );
    setup.push(request(`f${i}`, "deploy.event", {
      app_name: "web-api",
      event_type: "container_failed",
      error: "x".repeat(2000),
    }));
    setup.push(request(`r${i}`, "deploy.recover", { app_name: "web-api" }));
  }
  const made = await rpcLines(db, setup) as { error?: unknown }[];
  assertEquals(made.filter((response) => response.error !== undefined), []);

  await using server = new RpcProcess(db);
  // Started and idle: each line below is then read on its own, as a waiting client's would be.
  assertEquals((await server.call("up", "ping")).result, {});
  const count = 40;
  // Long ids make the requests outgrow the stdin pipe too (64 KiB on Linux).
  const idOf = (n: number) => `${n}:${"i".repeat(16 * 1024)}`;
  for (let n = 0; n < count; n++) {
    const line = request(idOf(n), "events.after", { after_id: 0, limit: 10000 }) + "\n";
    await within(10_000, `sending request ${n}`, server.write(line), server.pid);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let bytes = 0;
  for (let n = 0; n < count; n++) {
    const line = await within(30_000, `reading answer ${n}`, server.readLine(), server.pid);
    assert(line !== undefined, `answer ${n} missing`);
    bytes += line.length;
    const response = JSON.parse(line);
    assertEquals(response.id, idOf(n));
    assertEquals(response.result.events.length, 360);
  }
  // The answers were far more than a pipe holds: the server's writes did block.
  assert(bytes > 8 * 65536, `answers took ${bytes} bytes`);
});
