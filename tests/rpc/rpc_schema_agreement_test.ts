/**
 * `rpc.discover`'s schemas are the server's rules: a JSON Schema 2020-12 validator nobody on the
 * project wrote (ajv) and the real stdio server agree, accept or refuse, on params generated from
 * each method's advertised schema and from the rules behind it; every schema compiles under ajv's
 * strict mode; and real results validate against their advertised result schemas.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { APP_NAME_PATTERN } from "../../src/app_name.ts";
import { EVENTS, STATES } from "../../src/lifecycle.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { FIXTURES, tempDir } from "../_cli.ts";
import { request, rpcOnce, type RpcResponse } from "../_rpc.ts";

type Schema = Record<string, unknown>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface MethodSchemas {
  name: string;
  params: Schema;
  result: Schema;
}

interface Discovery {
  max_line_bytes: number;
  methods: MethodSchemas[];
}

/** A params object to send (undefined: the params member is left out). */
interface Case {
  method: string;
  what: string;
  params: Json | undefined;
}

async function discover(db: string): Promise<Discovery> {
  const result = await rpcOnce(db, request(1, "rpc.discover") + "\n");
  assertEquals(result.code, 0, result.stderr);
  return (JSON.parse(result.lines[0]) as RpcResponse).result as Discovery;
}

function strictValidator(): Ajv2020 {
  return new Ajv2020({ strict: true, allErrors: true });
}

// Characters that probe a string rule: all of printable ASCII, the controls JSON escapes, letters
// and digits outside ASCII (including ones that case-fold or normalise to ASCII), Unicode spaces,
// an astral character (two UTF-16 units, one code point) and both halves of a lone surrogate.
const PROBE_CHARACTERS: string[] = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  "\u0000",
  "\t",
  "\n",
  "\r",
  "\u007f",
  "\u00e9",
  "\u00df",
  "\u0130",
  "\u212a",
  "\uff57",
  "\u0661",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "\u{1f600}",
  "\ud800",
  "\udc00",
];

/** Characters a string of a given length is made of, at each length boundary. */
const FILLERS = ["a", "Z", "0", "-", "\u00e9", "\u{1f600}", " "];

/** One value of every JSON type, for "wrong type" probes. */
const TYPE_PROBES: Json[] = ["", "x", 0, 1, -1, 1.5, true, false, null, [], {}, ["x"], { x: 1 }];

/** Names the rules know (state machine events and states, deployment statuses, colors). */
const RULE_NAMES = [
  ...EVENTS,
  ...STATES,
  "in_progress",
  "success",
  "failed",
  "rolled_back",
  "blue",
];

/** `schema` with its `$ref` (to the root's `$defs`) followed. */
function resolve(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/$defs/", "");
  return resolve((root.$defs as Record<string, Schema>)[name], root);
}

/** Every numeric bound anywhere in `schema` (following refs once), for boundary values. */
function numericBounds(schema: unknown, root: Schema, seen = new Set<unknown>()): number[] {
  if (schema === null || typeof schema !== "object" || seen.has(schema)) return [];
  seen.add(schema);
  const node = schema as Schema;
  const bounds: number[] = [];
  for (const key of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]) {
    if (typeof node[key] === "number") bounds.push(node[key] as number);
  }
  if (typeof node.$ref === "string") bounds.push(...numericBounds(resolve(node, root), root, seen));
  for (const inner of Object.values(node)) bounds.push(...numericBounds(inner, root, seen));
  return bounds;
}

function types(schema: Schema, root: Schema): Set<string> {
  const resolved = resolve(schema, root);
  const found = new Set<string>();
  if (typeof resolved.type === "string") found.add(resolved.type);
  for (const branch of (resolved.anyOf ?? resolved.oneOf ?? []) as Schema[]) {
    for (const type of types(branch, root)) found.add(type);
  }
  if (Array.isArray(resolved.enum)) found.add("string");
  return found;
}

/** Values probing one property's schema: its types, lengths, pattern, enum and bounds. */
function probesFor(schema: Schema, root: Schema): { what: string; value: Json }[] {
  const resolved = resolve(schema, root);
  const probes: { what: string; value: Json }[] = TYPE_PROBES.map((value) => ({
    what: `type probe ${JSON.stringify(value)}`,
    value,
  }));
  const kinds = types(schema, root);
  const strings: { what: string; value: string }[] = [];
  if (kinds.has("string")) {
    for (const c of PROBE_CHARACTERS) {
      const shown = JSON.stringify(c);
      strings.push({ what: `character ${shown}`, value: c });
      strings.push({ what: `character ${shown} after a letter`, value: `a${c}` });
      strings.push({ what: `character ${shown} before a letter`, value: `${c}a` });
    }
    const lengths = new Set<number>();
    for (const key of ["minLength", "maxLength"]) {
      const bound = resolved[key];
      if (typeof bound === "number") {
        for (const n of [bound - 1, bound, bound + 1]) if (n >= 0) lengths.add(n);
      }
    }
    for (const n of lengths) {
      // Lengths beyond what one line can carry get one probe each: the framing refuses them.
      for (const filler of n > 100_000 ? ["a"] : FILLERS) {
        const shown = JSON.stringify(filler);
        strings.push({ what: `${n} x ${shown}`, value: filler.repeat(n) });
        if (n > 0) {
          strings.push({ what: `"a" then ${n - 1} x ${shown}`, value: "a" + filler.repeat(n - 1) });
        }
      }
    }
    for (
      const value of [
        ...(resolved.enum as string[] | undefined ?? []),
        ...(resolved.examples as string[] | undefined ?? []),
        ...RULE_NAMES,
      ]
    ) {
      strings.push({ what: `name ${value}`, value });
      strings.push({ what: `name ${value} upper-cased`, value: value.toUpperCase() });
      strings.push({ what: `name ${value} with a suffix`, value: `${value}x` });
    }
  }
  probes.push(...strings);
  if (kinds.has("number") || kinds.has("integer")) {
    const numbers = new Set<number>([0, -0, 0.5, 1e20, -1e20, 2 ** 53, -(2 ** 53)]);
    for (const bound of numericBounds(schema, root)) {
      for (const delta of [-1, -0.5, 0, 0.5, 1]) numbers.add(bound + delta);
    }
    for (const n of numbers) probes.push({ what: `number ${n}`, value: n });
  }
  // Inside arrays and objects (a JSON payload), the same probes again, and as object keys.
  if (kinds.has("array") || kinds.has("object")) {
    for (const probe of [...probes]) {
      probes.push({ what: `[${probe.what}]`, value: [probe.value] });
      probes.push({ what: `{k: ${probe.what}}`, value: { k: probe.value } });
    }
    for (const probe of strings.filter((s) => s.value.length <= 2)) {
      probes.push({ what: `key ${probe.what}`, value: { [probe.value]: 1 } });
    }
  }
  return probes;
}

/** Every subset of `items`, smallest first. */
function subsets<T>(items: readonly T[]): T[][] {
  const all: T[][] = [[]];
  for (const item of items) {
    for (const subset of [...all]) all.push([...subset, item]);
  }
  return all.sort((a, b) => a.length - b.length);
}

/** Params for every method, generated from its schema (see the file's comment). */
function generateCases(method: MethodSchemas, ajv: Ajv2020): Case[] {
  const root = method.params;
  const properties = (root.properties ?? {}) as Record<string, Schema>;
  const names = Object.keys(properties);
  const required = (root.required ?? []) as string[];
  const cases: Case[] = [
    { method: method.name, what: "params left out", params: undefined },
    { method: method.name, what: "empty params", params: {} },
  ];
  const probes = new Map(names.map((name) => [name, probesFor(properties[name], root)]));
  // A value each property accepts on its own, by the schema's own verdict.
  const sample = new Map<string, Json>();
  for (const name of names) {
    const alone = ajv.compile({ ...properties[name], $defs: root.$defs });
    const accepted = probes.get(name)!.find((probe) => alone(probe.value));
    assert(accepted, `${method.name}: no generated value satisfies ${name}`);
    sample.set(name, accepted.value);
  }
  const validate = ajv.compile(root);
  const withSamples = (chosen: string[]) =>
    Object.fromEntries(chosen.map((name) => [name, sample.get(name)!])) as Record<string, Json>;
  // Every combination of present parameters: the rules across parameters (oneOf, not, anyOf).
  const combinations = subsets(names);
  for (const chosen of combinations) {
    cases.push({
      method: method.name,
      what: `only ${chosen.join(", ") || "nothing"}`,
      params: withSamples(chosen),
    });
  }
  // The smallest valid params, which each probe then varies one parameter of: when it can, one
  // that holds that parameter already (app_name in deploy.event, where deployment_id excludes it).
  const smallestValid = (including?: string) =>
    combinations.filter((chosen) => including === undefined || chosen.includes(including))
      .map(withSamples).find((params) => validate(params));
  const base = smallestValid();
  assert(base, `${method.name}: no combination of generated values is valid`);
  for (const name of names) {
    const around = smallestValid(name) ?? base;
    for (const probe of probes.get(name)!) {
      cases.push({
        method: method.name,
        what: `${name}: ${probe.what}`,
        params: { ...around, [name]: probe.value },
      });
    }
  }
  for (const name of required) {
    const { [name]: _, ...rest } = base;
    cases.push({ method: method.name, what: `${name} missing`, params: rest });
  }
  const extras = ["unexpected", ...names.flatMap((name) => [name.toUpperCase(), camelCase(name)])]
    .filter((extra) => !names.includes(extra));
  for (const extra of extras) {
    cases.push({ method: method.name, what: `extra ${extra}`, params: { ...base, [extra]: 1 } });
  }
  return cases;
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Whether every string and key in `value` is well-formed UTF-16 (see the params description). */
function wellFormed(value: Json | undefined): boolean {
  if (typeof value === "string") return value.isWellFormed();
  if (value === null || typeof value !== "object") return true;
  return Object.entries(value).every(([key, inner]) => key.isWellFormed() && wellFormed(inner));
}

/** The app-name rule's own edge cases, beyond what the schema's pattern generates. */
const APP_NAME_EDGES = [
  "caf\u00e9",
  "-leading-dash",
  ".leading-dot",
  "_leading-underscore",
  "",
  "a".repeat(128),
  "a".repeat(129),
  "web-api\n",
  "\nweb-api",
  "web api",
  "web/api",
  "web-api\u0000",
  "\u212aelvin",
  "\uff57eb",
  "\u0661",
  "web-api.v2_blue",
  "0",
  "Z.",
];

/** The params that name files, by method: what they write goes to a scratch folder. */
const FILE_PARAMS: Record<string, string[]> = {
  "db.export": ["output", "cursor"],
  "db.backup": ["path"],
};

/** A case whose file params start with "/" moved into `scratch`: no probe writes outside it. */
function underScratch(c: Case, scratch: string): Case {
  const names = FILE_PARAMS[c.method];
  if (names === undefined || c.params === null || typeof c.params !== "object") return c;
  const params = { ...c.params } as Record<string, Json>;
  for (const name of names) {
    const value = params[name];
    if (typeof value === "string" && value.startsWith("/")) params[name] = scratch + value;
  }
  return { ...c, params };
}

Deno.test("rpc schemas: ajv (strict, 2020-12) and the server agree on generated params for every method", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  // Relative file names (db.export's output, db.backup's path) land in files/.
  const files = `${dir.path}/files`;
  Deno.mkdirSync(files);
  const discovery = await discover(db);
  const ajv = strictValidator();
  const cases = discovery.methods.flatMap((method) => generateCases(method, ajv))
    .map((c) => underScratch(c, `${dir.path}/abs`));
  for (const name of APP_NAME_EDGES) {
    cases.push({
      method: "state.get",
      what: `app name ${JSON.stringify(name)}`,
      params: { app_name: name },
    });
  }
  // The pattern the server tests is the one the schema advertises.
  const stateGet = discovery.methods.find((m) => m.name === "state.get")!;
  const appNameSchema = (stateGet.params.properties as Record<string, Schema>).app_name;
  assertEquals(appNameSchema.pattern, APP_NAME_PATTERN.source);

  const validators = new Map(discovery.methods.map((m) => [m.name, ajv.compile(m.params)]));
  const lines = cases.map((c, i) =>
    JSON.stringify({ jsonrpc: "2.0", id: i, method: c.method, params: c.params })
  );
  const encoder = new TextEncoder();
  const sendable = lines.map((line) => encoder.encode(line).length <= discovery.max_line_bytes);
  const result = await rpcOnce(db, lines.filter((_, i) => sendable[i]).join("\n") + "\n", {
    cwd: files,
  });
  assertEquals(result.code, 0, result.stderr);
  const responses = new Map<number, RpcResponse>();
  for (const line of result.lines) {
    const response = JSON.parse(line) as RpcResponse;
    responses.set(response.id as number, response);
  }
  const disagreements: string[] = [];
  const verdicts = new Map<string, Set<boolean>>();
  let judged = 0;
  let refusedForAFile = 0;
  for (const [i, c] of cases.entries()) {
    if (!sendable[i]) continue;
    const response = responses.get(i);
    assert(response, `${c.method} ${c.what}: no response`);
    assert(response.error?.code !== -32603, `${c.method} ${c.what}: ${response.error?.message}`);
    const schemaValid = validators.get(c.method)!(c.params ?? {}) as boolean;
    // A file param refused for what is at its path (the database, a file that is not a cursor,
    // the other file param): the file system's rule, not the params' form; data.path names it.
    if (
      schemaValid && c.method in FILE_PARAMS && response.error?.code === -32602 &&
      typeof response.error.data?.path === "string"
    ) {
      refusedForAFile++;
      continue;
    }
    // The one rule no JSON Schema keyword states; each params description says it.
    const expectAccepted = schemaValid && wellFormed(c.params);
    const refused = response.error?.code === -32602;
    if (refused) assertEquals(response.error?.data?.code, "invalid_argument");
    if (expectAccepted === refused) {
      disagreements.push(
        `${c.method} ${c.what}: schema ${schemaValid ? "accepts" : "refuses"}, server ${
          refused ? `refuses (${response.error!.message})` : "accepts"
        }`,
      );
    }
    const property = c.what.split(":")[0];
    const key = `${c.method} ${property}`;
    if (!verdicts.has(key)) verdicts.set(key, new Set());
    verdicts.get(key)!.add(expectAccepted);
    judged++;
  }
  assertEquals(disagreements.slice(0, 40), [], `${disagreements.length} disagreements`);
  // Not vacuous: thousands of cases, and each parameter was seen both accepted and refused.
  assert(judged > 5000, `only ${judged} cases`);
  for (const method of discovery.methods) {
    for (const name of Object.keys((method.params.properties ?? {}) as object)) {
      assertEquals(
        verdicts.get(`${method.name} ${name}`),
        new Set([true, false]),
        `${method.name} ${name}`,
      );
    }
  }
  for (const edge of APP_NAME_EDGES) {
    assert(cases.some((c) => c.what === `app name ${JSON.stringify(edge)}`));
  }
  assert(refusedForAFile < 100, `${refusedForAFile} refusals for what is at a path`);
  // Strings too long for one line are the framing's to refuse, not the params'.
  assert(sendable.filter((ok) => !ok).length < 50);
});

Deno.test("rpc schemas: every params description states the rule JSON Schema cannot (lone surrogates)", async () => {
  await using dir = await tempDir();
  const discovery = await discover(`${dir.path}/d.db`);
  for (const method of discovery.methods) {
    if (Object.keys((method.params.properties ?? {}) as object).length === 0) continue;
    assertStringIncludes(String(method.params.description), "lone UTF-16 surrogate", method.name);
  }
});

Deno.test("rpc schemas: every params and result schema compiles under ajv's strict mode", async () => {
  await using dir = await tempDir();
  const discovery = await discover(`${dir.path}/d.db`);
  const problems: string[] = [];
  for (const method of discovery.methods) {
    for (const which of ["params", "result"] as const) {
      const warnings: unknown[] = [];
      const logger = {
        log: () => {},
        warn: (...args: unknown[]) => warnings.push(args),
        error: () => {},
      };
      try {
        new Ajv2020({ strict: true, logger }).compile(method[which]);
      } catch (error) {
        problems.push(`${method.name} ${which}: ${(error as Error).message}`);
      }
      if (warnings.length > 0) {
        problems.push(`${method.name} ${which}: ${JSON.stringify(warnings)}`);
      }
    }
  }
  assertEquals(problems, []);
});

const webApi = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`);
const webApiV2 = Deno.readTextFileSync(`${FIXTURES}apps/web-api-v2.yaml`);

/** A session that calls every method with valid params, in an order where each succeeds. */
const SESSION: [string, Json | undefined][] = [
  ["ping", undefined],
  ["rpc.discover", undefined],
  ["migrate.status", {}],
  ["config.add", { config_yaml: webApi }],
  ["config.check", { config_yaml: webApiV2 }],
  ["config.add", { config_yaml: webApiV2, app_name: "web-api" }],
  ["config.get", { app_name: "web-api" }],
  ["config.history", { app_name: "web-api", limit: 5 }],
  ["config.diff", { app_name: "web-api" }],
  ["deploy.start", { app_name: "web-api", image: "reg/web-api:1", config_id: 1 }],
  ["deploy.event", { deployment_id: 1, event_type: "container_started", payload: { id: "c1" } }],
  ["deploy.event", { app_name: "web-api", event_type: "health_check_passed" }],
  ["deploy.event", { deployment_id: 1, event_type: "caddy_updated" }],
  ["deploy.event", { deployment_id: 1, event_type: "drain_complete" }],
  ["deploy.event", { deployment_id: 1, event_type: "container_stopped" }],
  ["state.get", { app_name: "web-api" }],
  ["deploy.start", { app_name: "web-api", image: "reg/web-api:2" }],
  ["deploy.event", { deployment_id: 2, event_type: "container_failed", error: "OOM" }],
  ["deploy.recover", { app_name: "web-api", reason: "looked at it" }],
  ["deploy.recover", { app_name: "web-api" }],
  ["deploy.rollback", { app_name: "web-api", to_deployment_id: 1 }],
  ["deploy.event", { app_name: "web-api", event_type: "container_started" }],
  ["deploy.event", { app_name: "web-api", event_type: "health_check_failed" }],
  ["deploy.event", { app_name: "web-api", event_type: "rollback_complete" }],
  ["deploy.get", { deployment_id: 3 }],
  ["deploy.history", { app_name: "web-api", status: "success" }],
  ["events.list", { deployment_id: 1 }],
  ["state.list", {}],
  ["stats.get", { app_name: "web-api", since_ms: 0 }],
  ["events.after", { after_id: 0, app_name: "web-api", limit: 3 }],
  ["db.doctor", { stuck_after_ms: 1000 }],
  ["db.verify", {}],
  ["db.prune", { keep_last: 1 }],
  ["db.prune", { keep_last: 1, dry_run: false, app_name: "web-api" }],
  // Relative names: the session runs in its own folder.
  ["db.export", { output: "history.ndjson", cursor: "export.cursor" }],
  ["db.export", { output: "events.csv.gz", table: "events", format: "csv", gzip: true }],
  ["db.backup", { path: "backup.db" }],
  ["db.backup", { path: "backup.db", force: true }],
];

Deno.test("rpc schemas: real results of every method validate against their result schemas", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const discovery = await discover(db);
  const ajv = strictValidator();
  const validators = new Map(discovery.methods.map((m) => [m.name, ajv.compile(m.result)]));
  const result = await rpcOnce(
    db,
    SESSION.map(([method, params], i) => request(i, method, params) + "\n").join(""),
    { cwd: dir.path },
  );
  assertEquals(result.code, 0, result.stderr);
  const covered = new Set<string>();
  for (const [i, line] of result.lines.entries()) {
    const response = JSON.parse(line) as RpcResponse;
    const [method, params] = SESSION[i];
    assertEquals(response.error, undefined, `${method} ${JSON.stringify(params)}`);
    const validate = validators.get(method)!;
    assert(validate(response.result), `${method}: ${JSON.stringify(validate.errors)}`);
    covered.add(method);
  }
  assertEquals([...covered].sort(), discovery.methods.map((m) => m.name).sort());
});
