/**
 * Crash: `dockswap-db rpc` is SIGKILLed at a random moment while a writer pipes lifecycle
 * requests into it, round after round on the same file. After each kill the file must pass
 * doctor and SQLite's checks, hold every write whose response was received, and have nothing
 * half written (an event without its state change, or the reverse).
 */
import { DatabaseSync } from "node:sqlite";
import { assert } from "../_assert.ts";
import { cleanEnv, commandLine, EXECUTABLE, tempDir } from "../_cli.ts";
import { rpcLines } from "../_rpc.ts";
import {
  configFor,
  deploymentRequests,
  doctorFailures,
  line,
  missingAnswers,
  pairAnswers,
  Prng,
  problemsIn,
  requireNone,
  sleep,
  suiteSeed,
} from "./_support.ts";

const ROUNDS = Number(Deno.env.get("DOCKSWAP_CRASH_ROUNDS") ?? 20);
const SHARED_APPS = ["shared-a", "shared-b"];

/** The requests of one round: per app, in order; apps interleaved at random. */
function roundRequests(rng: Prng, round: number): Map<string, string> {
  let n = 0;
  const nextId = () => `${round}-${n++}`;
  const queues: string[][] = [];
  const apps = [...SHARED_APPS, ...Array.from({ length: 6 }, (_, k) => `r${round}-app${k}`)];
  for (const app of apps) {
    // A shared app may have been left in flight by the previous kill: unlock it first.
    const queue = SHARED_APPS.includes(app)
      ? [line(nextId(), "deploy.recover", { app_name: app, reason: "after a crash" })]
      : [];
    queue.push(line(nextId(), "config.add", { config_yaml: configFor(app) }));
    for (let d = 0; d < 6; d++) {
      queue.push(...deploymentRequests(rng, app, `registry.local/${app}:${round}.${d}`, nextId));
    }
    queues.push(queue);
  }
  const requests = new Map<string, string>();
  while (queues.some((q) => q.length > 0)) {
    const open = queues.filter((q) => q.length > 0);
    const text = rng.pick(open).shift()!;
    requests.set(String(JSON.parse(text).id), text);
  }
  return requests;
}

interface RoundResult {
  answered: string[];
  sent: number;
  killedAfterMs: number;
}

/** Runs one round: start the server, pipe requests in chunks, SIGKILL it at a random moment. */
async function crashRound(db: string, rng: Prng, requests: Map<string, string>) {
  // Every random choice is drawn here, before anything runs, so that a seed replays them
  // whatever the timing; the writer draws from its own generator.
  const lines = [...requests.values()];
  const window = rng.int(1, 40);
  const duringStartup = rng.next() < 0.2;
  const startupDelay = rng.int(20, 400);
  const target = rng.int(1, Math.floor(lines.length * 0.6));
  const jitter = rng.int(0, 10);
  const writerRng = new Prng(rng.int(0, 2 ** 32 - 1));
  const child = new Deno.Command(EXECUTABLE, {
    args: [...commandLine(), "--db", db, "rpc"],
    env: cleanEnv(),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const started = performance.now();
  let output = "";
  let answered = 0;
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      output += chunk;
      for (const c of chunk) if (c === "\n") answered++;
    }
  })();
  let sent = 0;
  let stop = false;
  // The writer keeps at most `window` requests unanswered, so that groups stay small and a kill
  // lands mid-stream however fast or slow the machine is.
  const writer = child.stdin.getWriter();
  const writing = (async () => {
    try {
      while (sent < lines.length && !stop) {
        while (sent - answered > window && !stop) await sleep(1);
        const take = Math.min(writerRng.int(1, 12), lines.length - sent);
        const chunk = lines.slice(sent, sent + take).map((l) => l + "\n").join("");
        await writer.write(new TextEncoder().encode(chunk));
        sent += take;
        await sleep(writerRng.int(0, 2));
      }
    } catch {
      // The server was killed: the pipe broke.
    }
  })();
  const ended = child.status.then(() => true);
  if (duringStartup) {
    // A fifth of the rounds die during start-up (opening, migrating).
    await sleep(startupDelay);
  } else {
    // The rest after a random number of answers, plus a few milliseconds: often mid-commit.
    while (answered < target && !(await Promise.race([ended, sleep(2).then(() => false)]))) {
      // waiting for the target answer
    }
    await sleep(jitter);
  }
  const killedAfterMs = Math.round(performance.now() - started);
  try {
    child.kill("SIGKILL");
  } catch {
    // It had already ended.
  }
  stop = true;
  await child.status;
  await writing;
  await writer.close().catch(() => {});
  await reading.catch(() => {});
  // Only whole lines were received; a response cut by the kill was not.
  const received = output.split("\n").slice(0, -1);
  return { answered: received, sent, killedAfterMs } satisfies RoundResult;
}

Deno.test(`crash: ${ROUNDS} rounds of SIGKILL mid-stream leave a sound file holding every answered write`, async () => {
  const seed = suiteSeed("crash");
  const rng = new Prng(seed);
  await using dir = await tempDir();
  const db = `${dir.path}/crash.db`;
  let answeredTotal = 0;
  let midStream = 0;
  const summary: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const requests = roundRequests(rng, round);
    const result = await crashRound(db, rng, requests);
    const answers = pairAnswers(requests, result.answered);
    answeredTotal += answers.length;
    if (answers.length < requests.size) midStream++;
    summary.push(`${result.killedAfterMs}ms/${answers.length}`);
    const context = `seed ${seed}, round ${round} (killed after ${result.killedAfterMs} ms, ` +
      `${answers.length} of ${requests.size} answered)`;
    // The generator only sends requests that succeed in order: any error is a finding.
    // (Unlocking a shared app that never deployed is refused as not_found, as it should be.)
    const errors = answers.filter((a) =>
      a.response.error &&
      !(a.request.method === "deploy.recover" && a.response.error.data?.code === "not_found")
    );
    requireNone(errors.map((a) => JSON.stringify(a.response)), `${context}: refused requests`);
    try {
      Deno.statSync(db);
    } catch {
      continue; // killed before the file was created: nothing to check yet
    }
    requireNone(problemsIn(db), `${context}: unsound file`);
    requireNone(missingAnswers(db, answers), `${context}: answered writes missing`);
    requireNone(await doctorFailures(db), `${context}: doctor`);
  }
  console.log(
    `[crash] ${ROUNDS} rounds (${midStream} killed before every request was answered), ` +
      `${answeredTotal} answered requests; kill time/answered: ` +
      summary.join(" "),
  );
  // After the last kill the file still opens and serves.
  const [states] = await rpcLines(db, [line("end", "state.list", {})]) as { result: unknown[] }[];
  assert(Array.isArray(states.result), "state.list after the last crash");
  assert(answeredTotal > 0, "no round got an answer before its kill: the kills came too early");
  assert(midStream >= ROUNDS / 2, "most kills must land before the stream was answered");
});

Deno.test("crash: the checks themselves see a half-written deployment", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/half.db`;
  const rng = new Prng(1);
  let n = 0;
  await rpcLines(db, [
    line("c", "config.add", { config_yaml: configFor("web") }),
    ...deploymentRequests(rng, "web", "web:1", () => `${n++}`).slice(0, 3),
  ]);
  requireNone(problemsIn(db), "a sound file");
  // An event whose state change is missing, as a torn write would leave it.
  const raw = new DatabaseSync(db);
  raw.exec(
    `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
       payload, error, created_at)
     SELECT deployment_id, app_name, 'caddy_updated', 'switching', 'draining', NULL, NULL,
       '2999-01-01T00:00:00.000Z' FROM current_state WHERE app_name = 'web'`,
  );
  raw.close();
  const problems = problemsIn(db);
  assert(problems.some((p) => p.includes("current_state is")), problems.join("\n"));
});
