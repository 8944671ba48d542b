/**
 * The quick checks of deploy.event, deploy.start, config.add, the history reads (status,
 * history, events, show) and export (db.export, and `export` to stdout), the last two kinds'
 * schemas loading only for this, against their zod schemas: on
 * every input tried, a quick check gives exactly what the schema's parse gives (same values, same
 * key order) or leaves the input to it, so a refusal always has the schema's words.
 */
import { DockswapError } from "../../src/errors.ts";
import { type Operation, OPERATIONS, parseParams } from "../../src/operations/mod.ts";
import { exportToStream } from "../../src/operations/export.ts";
import { withLoadedSchemas } from "../../src/operations/operation.ts";
import { assert, assertEquals } from "../_assert.ts";

const YAML = "name: web\nimage: web:1\n";

/** Values each parameter is tried with (and deleted, and an unknown member added). */
const VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  3,
  "3",
  2 ** 53 - 1,
  2 ** 53,
  Infinity,
  "",
  "web",
  "web-api_2.x",
  "-web",
  "web api",
  "wéb",
  "a".repeat(128),
  "a".repeat(129),
  "x\0y",
  "\ud800",
  "registry.local/web:1.0",
  "web:\t1",
  "x".repeat(512),
  "x".repeat(513),
  "blue",
  "green",
  "red",
  "deploy",
  "container_started",
  "caddy_updated",
  "manual_recovery",
  "success",
  "in_progress",
  1_000_000,
  1_000_001,
  YAML,
  [],
  [1, "a", null],
  {},
  { ok: true, n: [1, 2.5, { deep: "x\0y" }] },
  { big: 2 ** 60 },
  { bad: "\udc00" },
  { "\ud800": 1 },
  JSON.parse('{"__proto__": {"x": 1}}'),
  [Infinity],
  Object.create(null),
  "all",
  "events",
  "configs",
  "ndjson",
  "csv",
  "json",
  "xml",
  "24h",
  "90m",
  "36500d",
  "36501d",
  "2026-11-28",
  "2026-11-28T03:00:00Z",
  "2026-11-28T03:00:00.123+02:00",
  "2026-13-01",
  "2026-02-30",
  "yesterday",
  "/tmp/export.cursor",
  "out.ndjson.gz",
  false,
];

/** A well-formed call of each method, and the shapes a client commonly sends. */
const BASES: Record<string, Record<string, unknown>[]> = {
  "deploy.event": [
    { app_name: "web", event_type: "container_started" },
    { deployment_id: 7, event_type: "health_check_failed", error: "503 from /health" },
    { app_name: "web", event_type: "caddy_updated", payload: { upstream: "web-blue:8081" } },
  ],
  "deploy.start": [
    { app_name: "web", image: "registry.local/web:1.0" },
    { app_name: "web", image: "web:2", config_yaml: YAML, color: "green" },
    { app_name: "web", image: "web:2", config_id: 4 },
  ],
  "config.add": [{ config_yaml: YAML }, { config_yaml: YAML, app_name: "web" }],
  "state.get": [{ app_name: "web" }],
  "state.list": [{}],
  "deploy.history": [
    { app_name: "web" },
    { app_name: "web", limit: 10 },
    { app_name: "web", limit: 3, status: "success" },
  ],
  "events.list": [{ deployment_id: 7 }],
  "deploy.get": [{ deployment_id: 7 }],
  "db.export": [
    { output: "out.ndjson", table: "all", format: "ndjson", gzip: false },
    {
      output: "events.csv",
      table: "events",
      format: "csv",
      app_name: "web",
      since: "24h",
      until: "2026-11-28T03:00:00Z",
      cursor: "export.cursor",
      gzip: true,
    },
    // As the command line gives them: every option, the ones left out undefined.
    {
      table: "deployments",
      format: "json",
      app_name: undefined,
      since: "2026-11-28",
      until: undefined,
      cursor: undefined,
      gzip: false,
      output: "out.json",
    },
  ],
};

/** `export` to stdout: db.export's params without the output, as the command line gives them. */
const STREAM_BASES: Record<string, unknown>[] = [
  {
    table: "all",
    format: "ndjson",
    app_name: undefined,
    since: undefined,
    until: undefined,
    cursor: undefined,
    gzip: false,
  },
  { table: "state", format: "csv", app_name: "web", since: "90m", until: "36500d", gzip: true },
  { table: "events", format: "json", cursor: "/tmp/export.cursor", gzip: false },
];

/** What the schema alone gives: the params, or the refusal's message. */
function bySchema(operation: Operation, raw: unknown): { params?: unknown; refused?: string } {
  try {
    return { params: parseParams({ ...operation, quickParams: undefined }, raw) };
  } catch (error) {
    if (error instanceof DockswapError) return { refused: error.message };
    throw error;
  }
}

function variants(base: Record<string, unknown>): unknown[] {
  const out: unknown[] = [base, null, [], "params", { ...base, extra: 1 }];
  for (const key of [...Object.keys(base), "deployment_id", "app_name", "payload", "error"]) {
    const without = { ...base };
    delete without[key];
    out.push(without, { ...base, [key]: undefined });
    for (const value of VALUES) out.push({ ...base, [key]: value });
  }
  // Key order of the input is not the schema's.
  out.push(Object.fromEntries(Object.entries(base).reverse()));
  return out;
}

/** Every variant of `bases` the quick check takes gets what the schema gives. */
function agreesWithSchema(method: string, operation: Operation, bases: Record<string, unknown>[]) {
  assert(operation.quickParams, `${method} has no quick check`);
  let tried = 0;
  let quick = 0;
  for (const base of bases) {
    for (const raw of variants(base)) {
      const fast = operation.quickParams(raw);
      const slow = bySchema(operation, raw);
      const what = `${method} ${JSON.stringify(raw)}`;
      tried++;
      if (fast === undefined) continue;
      quick++;
      assertEquals(slow.refused, undefined, `quick accepted what the schema refuses: ${what}`);
      assertEquals(JSON.stringify(fast), JSON.stringify(slow.params), what);
      assertEquals(fast, slow.params, what);
    }
  }
  // The common shapes do take the quick path (else it would be a cost, not a saving).
  for (const base of bases) assert(operation.quickParams(base) !== undefined, method);
  // (A method without parameters has one input it takes: `{}`, met a few times.)
  const takesParams = bases.some((base) => Object.keys(base).length > 0);
  assert(quick > (takesParams ? 10 : 2) && tried > 150, `${method}: ${quick} quick of ${tried}`);
}

for (const [method, bases] of Object.entries(BASES)) {
  Deno.test(`quick params: ${method} gives what its schema gives, or leaves the input to it`, () => {
    agreesWithSchema(method, OPERATIONS.get(method) as Operation, bases);
  });
}

Deno.test("quick params: export to stdout gives what its schema gives, or leaves the input to it", async () => {
  const operation = await withLoadedSchemas(exportToStream({ writeSync: (p) => p.length }));
  agreesWithSchema("export", operation as unknown as Operation, STREAM_BASES);
});

Deno.test("quick checks and records name a column only by their own keys, never Object.prototype's", async () => {
  const { quickCheckOf } = await import("../../src/operations/quick_params.ts");
  const { RecordDefinition } = await import("../../src/records/record.ts");
  const { text } = await import("../../src/records/fields.ts");
  assertEquals(quickCheckOf(["toString", "a"], () => true)({ a: 1 }), { a: 1 });
  const record = new RecordDefinition({ id: text, constructor: text, note: text });
  assertEquals(Object.keys(record.omit({ note: true }).shape), ["id", "constructor"]);
});
