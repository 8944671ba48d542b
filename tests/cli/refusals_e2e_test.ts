/**
 * Every (state, event) pair the state machine refuses, end to end: an app is driven into each
 * state through the real `rpc` server, then every refused event is sent to it. Each must be
 * answered invalid_transition, naming the state, and the database must not change at all.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, FIXTURES, tempDir } from "../_cli.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";
import { ERROR_CODES } from "../../src/errors.ts";
import {
  EVENTS,
  type EventType,
  START_EVENT,
  type State,
  STATES,
  TRANSITIONS,
} from "../../src/lifecycle.ts";

const webApi = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`);

/** The events that take a new deployment (in `starting`) to `state`, read from the table. */
function pathTo(state: State): EventType[] {
  const queue: [State, EventType[]][] = [["starting", []]];
  const seen = new Set<State>(["starting"]);
  while (queue.length > 0) {
    const [at, path] = queue.shift()!;
    if (at === state) return path;
    for (const [event, next] of Object.entries(TRANSITIONS[at]) as [EventType, State][]) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push([next, [...path, event]]);
    }
  }
  throw new Error(`no path to ${state}`);
}

/** What the app of a state is called. */
const appOf = (state: State) => `app-${state.replaceAll("_", "-")}`;

/** The events deploy.event takes: all but `deploy`, which only starting a deployment records. */
const RECORDABLE = EVENTS.filter((event) => event !== START_EVENT);

/** The events deploy.event refuses in `state`: any pair not in the table. */
function refusedIn(state: State): EventType[] {
  return RECORDABLE.filter((event) => TRANSITIONS[state][event] === undefined);
}

/** Every row of every table, to compare a database before and after. */
function dump(path: string): Record<string, unknown[]> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    ).all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all().map((row) => ({ ...row })),
      ]),
    );
  } finally {
    db.close();
  }
}

Deno.test("every refused (state, event) pair is refused end to end and writes nothing", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;

  // One app in each state.
  const setup: string[] = [];
  for (const state of STATES) {
    const app = appOf(state);
    const configYaml = webApi.replace("name: web-api", `name: ${app}`);
    setup.push(request(setup.length, "config.add", { config_yaml: configYaml }));
    setup.push(request(setup.length, "deploy.start", { app_name: app, image: `${app}:1` }));
    for (const event of pathTo(state)) {
      setup.push(request(setup.length, "deploy.event", { app_name: app, event_type: event }));
    }
  }
  const answers = await rpcLines(db, setup) as RpcResponse[];
  for (const answer of answers) assertEquals(answer.error, undefined, JSON.stringify(answer));
  const states = await rpcLines(db, [request(0, "state.list")]) as RpcResponse[];
  assertEquals(
    (states[0].result as { app_name: string; status: string }[]).map((s) => [s.app_name, s.status]),
    STATES.map((state) => [appOf(state), state]).sort(),
  );

  const before = dump(db);
  const pairs = STATES.flatMap((state) => refusedIn(state).map((event) => [state, event] as const));
  // 8 states x 12 events, less the 12 pairs deploy.event accepts.
  assertEquals(pairs.length, STATES.length * RECORDABLE.length - 12);
  const refusals = await rpcLines(
    db,
    pairs.map(([state, event], i) =>
      request(i, "deploy.event", { app_name: appOf(state), event_type: event })
    ),
  ) as RpcResponse[];
  assertEquals(refusals.length, pairs.length);
  refusals.forEach((answer, i) => {
    const [state, event] = pairs[i];
    const what = `${state} + ${event}: ${JSON.stringify(answer)}`;
    assertEquals(answer.error?.code, ERROR_CODES.invalid_transition.rpc, what);
    assertEquals(answer.error?.data?.code, "invalid_transition", what);
    assertEquals(answer.error?.data?.state, state, what);
    assertStringIncludes(answer.error!.message, `event ${event} is refused`, what);
    assert(answer.error!.message.includes(state), what);
  });
  assertEquals(dump(db), before);

  // `deploy` is not an event deploy.event takes, in any state: an invalid parameter.
  const starts = await rpcLines(
    db,
    STATES.map((state, i) =>
      request(i, "deploy.event", { app_name: appOf(state), event_type: START_EVENT })
    ),
  ) as RpcResponse[];
  for (const [i, answer] of starts.entries()) {
    assertEquals(answer.error?.code, ERROR_CODES.invalid_argument.rpc, STATES[i]);
    assertEquals(answer.error?.data?.code, "invalid_argument", STATES[i]);
    assertStringIncludes(answer.error!.message, "recorded only by starting a deployment");
  }
  assertEquals(dump(db), before);

  // The CLI refuses the same pairs with exit status 5, also writing nothing.
  for (const [state, event] of [pairs[0], pairs[pairs.length - 1], ...pairs.slice(30, 32)]) {
    const result = await cli(["--db", db, "deploy", "event", "--app", appOf(state), event]);
    assertEquals(result.code, ERROR_CODES.invalid_transition.exit, result.stderr);
    assertStringIncludes(result.stderr, "[invalid_transition]");
  }
  assertEquals(dump(db), before);
});
