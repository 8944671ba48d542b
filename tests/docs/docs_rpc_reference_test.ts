/**
 * docs/rpc.md against the program: its method table against what a real server answers to
 * `rpc.discover` (every method, every parameter, which are optional), its error-code table
 * against ERROR_CODES (src/errors.ts) and the protocol's own codes (src/rpc/envelope.ts), and the
 * limits it states against the constants the server enforces.
 */
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { readPage, section, tableRows } from "../_docs.ts";
import { request, rpcLines } from "../_rpc.ts";
import { ERROR_CODES, type ErrorCode } from "../../src/errors.ts";
import { MAX_NESTING, PROTOCOL_ERRORS } from "../../src/rpc/envelope.ts";
import { MAX_LINE_BYTES } from "../../src/rpc/framing.ts";
import { MAX_BUFFERED_BYTES, MAX_GROUP_LINES } from "../../src/rpc/transport.ts";
import { MAX_COMMIT_RESPONSE_BYTES } from "../../src/rpc/dispatch.ts";
import { OPERATIONS } from "../../src/operations/mod.ts";

const PAGE = "docs/rpc.md";

interface JsonSchema {
  properties?: Record<string, unknown>;
  required?: string[];
  oneOf?: unknown[];
}

interface Discovered {
  max_line_bytes: number;
  max_nesting: number;
  methods: { name: string; params: JsonSchema }[];
}

async function discover(): Promise<Discovered> {
  await using dir = await tempDir();
  const [response] = await rpcLines(`${dir.path}/dockswap.db`, [request(1, "rpc.discover")]);
  return (response as { result: Discovered }).result;
}

/** The method table: method name -> the parameters its row names (`?` kept). */
function documentedMethods(): Map<string, string[]> {
  const rows = tableRows(section(PAGE, "Methods"));
  return new Map(rows.map(([method, params]) => {
    const name = /^`([a-z.]+)`$/.exec(method)?.[1];
    assert(name, `${PAGE}: "${method}" is not a method name in backticks`);
    return [name, [...params.matchAll(/`([a-z_]+\??)`/g)].map((m) => m[1])];
  }));
}

Deno.test("docs/rpc.md: the method table is what rpc.discover serves, parameter by parameter", async () => {
  const served = await discover();
  const documented = documentedMethods();
  assertEquals([...documented.keys()].sort(), served.methods.map((m) => m.name).sort());
  for (const operation of OPERATIONS.keys()) assert(documented.has(operation), operation);

  for (const { name, params } of served.methods) {
    const row = documented.get(name)!;
    const names = row.map((p) => p.replace(/\?$/, ""));
    assertEquals(names.toSorted(), Object.keys(params.properties ?? {}).sort(), `${PAGE} ${name}`);
    for (const param of row) {
      const bare = param.replace(/\?$/, "");
      const required = params.required?.includes(bare) ?? false;
      const oneOf = JSON.stringify(params.oneOf ?? []).includes(`"${bare}"`);
      if (param.endsWith("?")) {
        assert(!required, `${PAGE} ${name}: ${bare} is required, documented optional`);
      } else {
        assert(required || oneOf, `${PAGE} ${name}: ${bare} is optional, documented required`);
      }
    }
  }
});

Deno.test("docs/rpc.md: the error-code table is ERROR_CODES and the protocol's codes", () => {
  const rows = tableRows(section(PAGE, "Error codes"));
  const byNumber = new Map(rows.map(([number, code]) => [Number(number), code]));
  assertEquals(byNumber.size, rows.length, `${PAGE}: a code listed twice`);
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    assertEquals(byNumber.get(ERROR_CODES[code].rpc), `\`${code}\``, `${PAGE}: ${code}`);
  }
  // The protocol's own errors carry their name as data.code too.
  for (const [name, number] of Object.entries(PROTOCOL_ERRORS)) {
    assertEquals(byNumber.get(number), `\`${name}\``, `${PAGE}: ${name} (${number})`);
  }
  const known = new Set<number>([
    ...Object.values(PROTOCOL_ERRORS),
    ...Object.values(ERROR_CODES).map((c) => c.rpc),
  ]);
  for (const number of byNumber.keys()) assert(known.has(number), `${PAGE}: ${number} is no code`);
});

Deno.test("docs/rpc.md: the limits it states are the server's", async () => {
  const served = await discover();
  assertEquals(served.max_line_bytes, MAX_LINE_BYTES);
  assertEquals(served.max_nesting, MAX_NESTING);
  const text = readPage(PAGE).replaceAll("\n", " ");
  const mib = (bytes: number) => `${bytes / 1024 / 1024} MiB`;
  for (
    const stated of [
      `**${mib(MAX_LINE_BYTES)}** (${MAX_LINE_BYTES.toLocaleString("en-US")} bytes`,
      `deeper than **${MAX_NESTING}**`,
      `at most ${MAX_GROUP_LINES} lines`,
      `pass ${mib(MAX_COMMIT_RESPONSE_BYTES)}`,
      `up to ${mib(MAX_BUFFERED_BYTES)}`,
    ]
  ) {
    assert(text.includes(stated), `${PAGE} does not say "${stated}"`);
  }
});
