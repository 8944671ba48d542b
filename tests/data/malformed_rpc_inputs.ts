/**
 * The malformed JSON-RPC inputs tests/rpc/rpc_test.ts sends to the real server, each with what it
 * must produce.
 */
import { FIXTURES } from "../_cli.ts";
import { notification, request } from "../_rpc.ts";

const webApi = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`);
const worker = Deno.readTextFileSync(`${FIXTURES}apps/worker.yaml`);

/** One malformed input and what it must produce: one error (code, id) or nothing. */
export interface MalformedCase {
  name: string;
  input: string | Uint8Array;
  expect: { code: number; id: string | number | null; mentions?: string } | "nothing" | {
    batch: number[];
  };
}

const longLine = `{"jsonrpc":"2.0","id":1,"method":"config.add","params":{"config_yaml":"${
  "a".repeat(1024 * 1024)
}"}}`;
const invalidUtf8 = new Uint8Array([
  ...new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'),
  0xff,
  0xfe,
  ...new TextEncoder().encode('"}}'),
]);
const truncatedUtf8 = new Uint8Array([...new TextEncoder().encode('"caf'), 0xc3]);

export const MALFORMED: MalformedCase[] = [
  // Unreadable lines: -32700 with id null.
  { name: "not JSON", input: "garbage", expect: { code: -32700, id: null } },
  { name: "open brace", input: "{", expect: { code: -32700, id: null } },
  {
    name: "truncated",
    input: '{"jsonrpc":"2.0","id":1,"method":"ping"',
    expect: { code: -32700, id: null },
  },
  {
    name: "trailing brace",
    input: '{"jsonrpc":"2.0","id":1,"method":"ping"}}',
    expect: { code: -32700, id: null },
  },
  {
    name: "single quotes",
    input: "{'jsonrpc':'2.0','id':1,'method':'ping'}",
    expect: { code: -32700, id: null },
  },
  {
    name: "trailing comma",
    input: '{"jsonrpc":"2.0","id":1,"method":"ping",}',
    expect: { code: -32700, id: null },
  },
  { name: "NaN", input: "NaN", expect: { code: -32700, id: null } },
  { name: "unterminated batch", input: "[1,2,", expect: { code: -32700, id: null } },
  {
    name: "control character",
    input: '{"jsonrpc":"2.0","id":1,"method":"pi\u0001ng"}',
    expect: { code: -32700, id: null },
  },
  {
    name: "deep nesting",
    input: "[".repeat(5000) + "]".repeat(5000),
    expect: { code: -32700, id: null, mentions: "nested" },
  },
  {
    name: "deep nesting in params",
    input: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${"[".repeat(200)}${
      "]".repeat(200)
    }}}`,
    expect: { code: -32700, id: null, mentions: "nested" },
  },
  {
    name: "invalid UTF-8",
    input: invalidUtf8,
    expect: { code: -32700, id: null, mentions: "UTF-8" },
  },
  {
    name: "truncated UTF-8",
    input: truncatedUtf8,
    expect: { code: -32700, id: null, mentions: "UTF-8" },
  },
  {
    name: "line over 1 MiB",
    input: longLine,
    expect: { code: -32700, id: null, mentions: "1048576" },
  },
  // Not a request: -32600, with the id when it can be read.
  { name: "number", input: "1", expect: { code: -32600, id: null } },
  { name: "string", input: '"ping"', expect: { code: -32600, id: null } },
  { name: "null", input: "null", expect: { code: -32600, id: null } },
  { name: "boolean", input: "true", expect: { code: -32600, id: null } },
  { name: "huge number", input: "1e999999", expect: { code: -32600, id: null } },
  { name: "empty batch", input: "[]", expect: { code: -32600, id: null, mentions: "empty batch" } },
  { name: "empty object", input: "{}", expect: { code: -32600, id: null } },
  {
    name: "jsonrpc 1.0",
    input: '{"jsonrpc":"1.0","id":21,"method":"ping"}',
    expect: { code: -32600, id: 21 },
  },
  {
    name: "jsonrpc number",
    input: '{"jsonrpc":2.0,"id":22,"method":"ping"}',
    expect: { code: -32600, id: 22 },
  },
  { name: "jsonrpc missing", input: '{"id":23,"method":"ping"}', expect: { code: -32600, id: 23 } },
  {
    name: "method missing",
    input: '{"jsonrpc":"2.0","id":24}',
    expect: { code: -32600, id: 24, mentions: "method" },
  },
  {
    name: "method number",
    input: '{"jsonrpc":"2.0","id":25,"method":42}',
    expect: { code: -32600, id: 25 },
  },
  {
    name: "id object",
    input: '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}',
    expect: { code: -32600, id: null },
  },
  {
    name: "id array",
    input: '{"jsonrpc":"2.0","id":[1],"method":"ping"}',
    expect: { code: -32600, id: null },
  },
  {
    name: "id boolean",
    input: '{"jsonrpc":"2.0","id":true,"method":"ping"}',
    expect: { code: -32600, id: null },
  },
  {
    name: "params string",
    input: '{"jsonrpc":"2.0","id":29,"method":"ping","params":"x"}',
    expect: { code: -32600, id: 29, mentions: "params" },
  },
  {
    name: "params null",
    input: '{"jsonrpc":"2.0","id":30,"method":"ping","params":null}',
    expect: { code: -32600, id: 30 },
  },
  {
    name: "misspelt member",
    input: '{"jsonrpc":"2.0","id":31,"method":"ping","parms":{}}',
    expect: { code: -32600, id: 31, mentions: "parms" },
  },
  {
    name: "duplicate key",
    input: '{"jsonrpc":"2.0","method":"ping","id":33,"jsonrpc":"1.0"}',
    expect: { code: -32600, id: 33 },
  },
  { name: "batch of non-objects", input: "[1,2]", expect: { batch: [-32600, -32600] } },
  // Unknown methods: -32601.
  {
    name: "unknown method",
    input: '{"jsonrpc":"2.0","id":34,"method":"no.such"}',
    expect: { code: -32601, id: 34 },
  },
  {
    name: "wrong case",
    input: '{"jsonrpc":"2.0","id":35,"method":"Config.Add"}',
    expect: { code: -32601, id: 35 },
  },
  {
    name: "__proto__",
    input: '{"jsonrpc":"2.0","id":36,"method":"__proto__"}',
    expect: { code: -32601, id: 36 },
  },
  {
    name: "empty method",
    input: '{"jsonrpc":"2.0","id":"37","method":""}',
    expect: { code: -32601, id: "37" },
  },
  {
    name: "rpc.* unknown",
    input: '{"jsonrpc":"2.0","id":38,"method":"rpc.unknown"}',
    expect: { code: -32601, id: 38 },
  },
  // Invalid params: -32602, naming the parameter.
  {
    name: "missing param",
    input: request(39, "config.add", {}),
    expect: { code: -32602, id: 39, mentions: "config_yaml" },
  },
  {
    name: "wrong type",
    input: request(40, "config.add", { config_yaml: 5 }),
    expect: { code: -32602, id: 40, mentions: "config_yaml" },
  },
  {
    name: "unknown field",
    input: request(41, "config.add", { config_yaml: webApi, extra: 1 }),
    expect: { code: -32602, id: 41, mentions: "extra" },
  },
  {
    name: "bad app name",
    input: request(42, "config.get", { app_name: "bad name!" }),
    expect: { code: -32602, id: 42, mentions: "app_name" },
  },
  {
    name: "infinite id param",
    input:
      '{"jsonrpc":"2.0","id":43,"method":"config.get","params":{"app_name":"web-api","id":1e400}}',
    expect: { code: -32602, id: 43, mentions: "id" },
  },
  {
    name: "unsafe integer param",
    input:
      '{"jsonrpc":"2.0","id":44,"method":"config.get","params":{"app_name":"web-api","id":12345678901234567890}}',
    expect: { code: -32602, id: 44, mentions: "id" },
  },
  {
    name: "negative id param",
    input: request(45, "config.get", { app_name: "web-api", id: -1 }),
    expect: { code: -32602, id: 45, mentions: "id" },
  },
  {
    name: "fractional id param",
    input: request(46, "config.get", { app_name: "web-api", id: 1.5 }),
    expect: { code: -32602, id: 46, mentions: "id" },
  },
  {
    name: "string for number",
    input: request(47, "config.history", { app_name: "web-api", limit: "10" }),
    expect: { code: -32602, id: 47, mentions: "limit" },
  },
  {
    name: "positional params",
    input: request(48, "config.add", [webApi]),
    expect: { code: -32602, id: 48, mentions: "positional" },
  },
  {
    name: "params for ping",
    input: request(49, "ping", { x: 1 }),
    expect: { code: -32602, id: 49, mentions: "x" },
  },
  {
    name: "array for string",
    input: request(50, "config.diff", { app_name: ["web-api"] }),
    expect: { code: -32602, id: 50, mentions: "app_name" },
  },
  {
    name: "null for string",
    input: request(51, "config.history", { app_name: null }),
    expect: { code: -32602, id: 51, mentions: "app_name" },
  },
  // Domain errors: -32000..-32099 with data.code.
  {
    name: "YAML syntax",
    input: request(52, "config.add", { config_yaml: "name: [" }),
    expect: { code: -32002, id: 52 },
  },
  {
    name: "app mismatch",
    input: request(53, "config.add", { config_yaml: worker, app_name: "web-api" }),
    expect: { code: -32002, id: 53 },
  },
  {
    name: "unknown app",
    input: request(54, "config.get", { app_name: "nobody" }),
    expect: { code: -32001, id: 54 },
  },
  {
    name: "unknown version",
    input: request(55, "config.diff", { app_name: "web-api", from_id: 999 }),
    expect: { code: -32001, id: 55 },
  },
  // Notifications: nothing, whatever went wrong.
  { name: "notification, bad params", input: notification("config.add", {}), expect: "nothing" },
  { name: "notification, unknown method", input: notification("no.such"), expect: "nothing" },
  {
    name: "notification, bad YAML",
    input: notification("config.add", { config_yaml: "name: [" }),
    expect: "nothing",
  },
  {
    name: "batch of notifications",
    input: `[${notification("no.such")},${notification("config.get", { app_name: "x" })}]`,
    expect: "nothing",
  },
];
