/**
 * What the reliability suite shares: a seeded PRNG (failures are reproducible from the printed
 * seed), lifecycle request generators, and the checks run on a database after every ordeal:
 * `dockswap-db doctor`, SQLite's own integrity checks, the lifecycle invariants
 * (nothing half written), and "every answered write is present".
 */
import { DatabaseSync } from "node:sqlite";
import { isInFlight, nextState, OUTCOMES, type State, TRANSITIONS } from "../../src/lifecycle.ts";
import { cleanEnv, cli, FIXTURES } from "../_cli.ts";
import type { RpcResponse } from "../_rpc.ts";

/** How a subprocess ended: its exit code, the signal that ended it if one did, and its output. */
export interface Run {
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` with a clean environment to its end, killed after `timeoutMs`, fed `stdin` if
 * given (a process that exits before reading it all is not an error of the run).
 */
export async function runToExit(
  command: string,
  args: string[],
  stdin: Uint8Array | undefined,
  timeoutMs: number,
): Promise<Run> {
  const child = new Deno.Command(command, {
    args,
    env: cleanEnv(),
    clearEnv: true,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin).catch(() => {});
    await writer.close().catch(() => {});
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** mulberry32: tiny, fast and good enough to pick test inputs. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

/**
 * The seed of this run: DOCKSWAP_RELIABILITY_SEED when set, else a fresh one. Printed so that a
 * failure can be replayed exactly.
 */
export function suiteSeed(suite: string): number {
  const given = Deno.env.get("DOCKSWAP_RELIABILITY_SEED");
  const seed = given !== undefined ? Number(given) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`[${suite}] seed ${seed} (replay: DOCKSWAP_RELIABILITY_SEED=${seed})`);
  return seed;
}

const WEB_API = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`);

/** A valid config for an app named `name` (the web-api fixture, renamed). */
export function configFor(name: string, extra = ""): string {
  return WEB_API.replace(/^name: web-api$/m, `name: ${name}`) + extra;
}

/** A request line. */
export function line(id: string | number, method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

/**
 * One full deployment of `app` as requests: start, then events along a random path through the
 * state machine until it ends (success, rollback or failure; a failure is recovered). Every
 * event is one the state accepts, so when they run in order each one succeeds.
 */
export function deploymentRequests(
  rng: Prng,
  app: string,
  image: string,
  nextId: () => string,
): string[] {
  const lines = [line(nextId(), "deploy.start", { app_name: app, image })];
  let state: State = "starting";
  while (state !== "stable") {
    if (state === "failed") {
      lines.push(line(nextId(), "deploy.recover", { app_name: app, reason: "reliability" }));
      break;
    }
    const accepted = Object.keys(TRANSITIONS[state]) as (keyof typeof TRANSITIONS[State])[];
    // Mostly the happy path (the first listed event), sometimes a failure branch.
    const event = rng.next() < 0.8 ? accepted[0] : rng.pick(accepted);
    const step = nextState(state, event);
    if (!step.ok) throw new Error(`generator bug: ${state} + ${event}`);
    lines.push(line(nextId(), "deploy.event", {
      app_name: app,
      event_type: event,
      payload: { step: lines.length, note: "x".repeat(rng.int(0, 64)) },
      ...(event.endsWith("_failed") ? { error: `simulated ${event}` } : {}),
    }));
    state = step.to;
  }
  return lines;
}

/** Answered requests of a run: request line by id, and the response that came back. */
export interface Answer {
  request: { method: string; params: Record<string, unknown> };
  response: RpcResponse;
}

/** Pairs each response line with the request it answers (matched by id). */
export function pairAnswers(requests: Map<string, string>, responseLines: string[]): Answer[] {
  const answers: Answer[] = [];
  for (const text of responseLines) {
    const response = JSON.parse(text) as RpcResponse;
    const sent = requests.get(String(response.id));
    if (sent === undefined) throw new Error(`response to an unknown id: ${text}`);
    answers.push({ request: JSON.parse(sent), response });
  }
  return answers;
}

/** Opens a database file for looking only. */
function look<T>(path: string, work: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return work(db);
  } finally {
    db.close();
  }
}

type Rows = Record<string, unknown>[];

function rows(db: DatabaseSync, sql: string, ...params: (string | number)[]): Rows {
  return db.prepare(sql).all(...params).map((row) => ({ ...row }));
}

/**
 * Everything wrong with the file, as sentences (empty when sound): SQLite's integrity and
 * foreign-key checks, and the lifecycle invariants that say nothing was half written.
 */
export function problemsIn(path: string): string[] {
  return look(path, (db) => {
    const problems: string[] = [];
    const integrity = rows(db, "PRAGMA integrity_check").map((r) => Object.values(r)[0]);
    if (integrity.join() !== "ok") problems.push(`integrity_check: ${integrity.join("; ")}`);
    const tables = rows(db, "SELECT name FROM sqlite_schema WHERE type = 'table'").map((r) =>
      r.name
    );
    if (!tables.includes("deployments")) return problems; // killed before the schema committed
    const fk = rows(db, "PRAGMA foreign_key_check");
    if (fk.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(fk.slice(0, 5))}`);

    // The app's last event says where current_state must be, and for which deployment.
    const states = rows(db, "SELECT * FROM current_state ORDER BY app_name");
    const stateOf = new Map(states.map((s) => [s.app_name as string, s]));
    const lastEvents = rows(
      db,
      `SELECT e.* FROM deployment_events e
       WHERE e.id = (SELECT id FROM deployment_events x WHERE x.app_name = e.app_name
                     ORDER BY created_at DESC, id DESC LIMIT 1)`,
    );
    const lastEventOf = new Map(lastEvents.map((e) => [e.app_name as string, e]));
    for (const [app, event] of lastEventOf) {
      const state = stateOf.get(app);
      if (!state) {
        problems.push(`app ${app}: event ${event.id} but no current_state row`);
      } else if (state.status !== event.to_state || state.deployment_id !== event.deployment_id) {
        problems.push(
          `app ${app}: current_state is ${state.status} for deployment ${state.deployment_id}, ` +
            `its last event ${event.id} (${event.event_type}) moved deployment ` +
            `${event.deployment_id} to ${event.to_state}`,
        );
      }
    }
    for (const app of stateOf.keys()) {
      if (!lastEventOf.has(app)) problems.push(`app ${app}: current_state without any event`);
    }

    // Each deployment's status follows from its last event.
    const deployments = rows(
      db,
      `SELECT d.id, d.app_name, d.status, d.ended_at,
              (SELECT count(*) FROM deployment_events e WHERE e.deployment_id = d.id) AS events,
              (SELECT e.event_type FROM deployment_events e WHERE e.deployment_id = d.id
                 ORDER BY created_at DESC, id DESC LIMIT 1) AS last_type,
              (SELECT e.to_state FROM deployment_events e WHERE e.deployment_id = d.id
                 ORDER BY created_at DESC, id DESC LIMIT 1) AS last_to
       FROM deployments d ORDER BY d.id`,
    );
    const inProgress = new Map<string, number>();
    for (const d of deployments) {
      const id = `deployment ${d.id} (${d.app_name})`;
      if (d.events === 0) {
        problems.push(`${id}: no events (its deploy event is missing)`);
        continue;
      }
      const flying = isInFlight(d.last_to as State);
      if (d.status === "in_progress") {
        inProgress.set(d.app_name as string, (inProgress.get(d.app_name as string) ?? 0) + 1);
        if (!flying) problems.push(`${id}: in_progress but its last event ended at ${d.last_to}`);
      } else {
        if (flying) problems.push(`${id}: ${d.status} but its last event left it ${d.last_to}`);
        const outcome = OUTCOMES[d.last_type as keyof typeof OUTCOMES];
        if (outcome !== undefined && outcome !== d.status) {
          problems.push(`${id}: ${d.status} but its last event ${d.last_type} means ${outcome}`);
        }
      }
    }
    for (const [app, n] of inProgress) {
      if (n > 1) problems.push(`app ${app}: ${n} deployments in progress at once`);
    }
    return problems;
  });
}

/**
 * The answered writes that are missing from the file: each success of config.add,
 * deploy.start, deploy.event, deploy.recover must have left exactly the rows it returned.
 */
export function missingAnswers(path: string, answers: Answer[]): string[] {
  return look(path, (db) => {
    const missing: string[] = [];
    const event = db.prepare(
      "SELECT event_type, deployment_id FROM deployment_events WHERE id = ?",
    );
    const deployment = db.prepare("SELECT app_name, image FROM deployments WHERE id = ?");
    const config = db.prepare("SELECT config_sha FROM app_configs WHERE id = ?");
    for (const { request, response } of answers) {
      if (response.error || response.result === undefined) continue;
      const result = response.result as Record<string, Record<string, unknown> | undefined>;
      const what = `${request.method} ${JSON.stringify(response.id)}`;
      if (result.event) {
        const row = event.get(result.event.id as number) as Record<string, unknown> | undefined;
        if (!row || row.event_type !== result.event.event_type) {
          missing.push(`${what}: event ${result.event.id} (${result.event.event_type})`);
        }
      }
      if (result.deployment) {
        const row = deployment.get(result.deployment.id as number) as
          | Record<string, unknown>
          | undefined;
        if (!row || row.image !== result.deployment.image) {
          missing.push(`${what}: deployment ${result.deployment.id}`);
        }
      }
      if (result.config && request.method === "config.add") {
        const row = config.get(result.config.id as number) as Record<string, unknown> | undefined;
        if (!row || row.config_sha !== result.config.config_sha) {
          missing.push(`${what}: config ${result.config.id}`);
        }
      }
    }
    return missing;
  });
}

/** Every row of every table, as text: two equal dumps mean an unchanged database. */
export function dump(path: string): string {
  return look(path, (db) => {
    const tables = rows(
      db,
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    ).map((r) => r.name as string);
    const parts = tables.map((t) =>
      `${t}: ${JSON.stringify(rows(db, `SELECT * FROM "${t}" ORDER BY rowid`))}`
    );
    const pragmas = ["application_id", "user_version", "schema_version"]
      .map((p) => `${p}=${JSON.stringify(rows(db, `PRAGMA ${p}`))}`);
    return [...pragmas, ...parts].join("\n");
  });
}

/** What `dockswap-db doctor` reports as failing (empty when it passes). */
export async function doctorFailures(path: string): Promise<string[]> {
  const result = await cli(["--db", path, "--json", "doctor"]);
  if (result.code === 0) return [];
  try {
    const report = JSON.parse(result.stdout) as {
      checks: { check: string; status: string; detail: string }[];
    };
    return report.checks.filter((c) => c.status === "fail").map((c) =>
      `doctor ${c.check}: ${c.detail}`
    );
  } catch {
    return [`doctor exited ${result.code}: ${result.stderr}`];
  }
}

/** Fails with every problem found, naming the seed to replay. */
export function requireNone(problems: string[], context: string): void {
  if (problems.length > 0) {
    throw new Error(`${context}:\n  ${problems.slice(0, 20).join("\n  ")}`);
  }
}

/** Exit statuses that mean the process crashed rather than refused: internal, or a signal. */
export function isCrash(code: number, signal: string | null): boolean {
  return signal !== null || code === 70 || code >= 128;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
