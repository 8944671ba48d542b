/** Line framing: chunk boundaries, the line cap in bounded memory, invalid UTF-8. */
import { encodeLines, type Frame, LineSplitter, MAX_LINE_BYTES } from "../../src/rpc/framing.ts";
import { errorResponse, readMessage, resultResponse } from "../../src/rpc/envelope.ts";
import { assert, assertEquals } from "../_assert.ts";

const encoder = new TextEncoder();

function frames(splitter: LineSplitter, chunks: Uint8Array[]): Frame[] {
  return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.finish()];
}

Deno.test("framing: the same lines come out however the bytes are chunked", () => {
  const bytes = encoder.encode('{"a":"é€😀"}\n[1,2]\r\n\n  \n"last"');
  const whole = frames(new LineSplitter(), [bytes]);
  assertEquals(whole, [
    { kind: "line", text: '{"a":"é€😀"}' },
    { kind: "line", text: "[1,2]\r" },
    { kind: "line", text: '"last"' },
  ]);
  for (let size = 1; size <= bytes.length; size++) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
    assertEquals(frames(new LineSplitter(), chunks), whole, `chunks of ${size}`);
  }
});

Deno.test("framing: a line at the cap passes; one byte more is discarded as one too_long frame", () => {
  const splitter = new LineSplitter({ maxLineBytes: 10 });
  assertEquals(splitter.push(encoder.encode("0123456789\n01234567890\nok\n")), [
    { kind: "line", text: "0123456789" },
    { kind: "too_long", bytes: 11, limit: 10 },
    { kind: "line", text: "ok" },
  ]);
  // Across chunks too, and at the end of input without a newline.
  assertEquals(
    frames(splitter, [encoder.encode("01234"), encoder.encode("567890"), encoder.encode("1")]),
    [
      { kind: "too_long", bytes: 12, limit: 10 },
    ],
  );
});

Deno.test("framing: an endless line is consumed in bounded memory", () => {
  const splitter = new LineSplitter();
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let produced: Frame[] = [];
  for (let i = 0; i < 64; i++) { // 4 MiB without a newline
    produced = produced.concat(splitter.push(chunk));
    assert(splitter.pendingBytes <= MAX_LINE_BYTES);
  }
  assertEquals(produced, []);
  assertEquals(splitter.push(encoder.encode("a\n1\n")), [
    { kind: "too_long", bytes: 64 * 64 * 1024 + 1, limit: MAX_LINE_BYTES },
    { kind: "line", text: "1" },
  ]);
  assertEquals(splitter.pendingBytes, 0);
});

Deno.test("framing: invalid UTF-8 spoils only its own line", () => {
  const bytes = new Uint8Array([0x22, 0xff, 0x22, 0x0a, 0x31, 0x0a, 0xe2, 0x82, 0x0a, 0x32]);
  assertEquals(frames(new LineSplitter(), [bytes]), [
    { kind: "invalid_utf8" },
    { kind: "line", text: "1" },
    { kind: "invalid_utf8" },
    { kind: "line", text: "2" },
  ]);
  // A character split across chunks is not mistaken for invalid input.
  const euro = encoder.encode("€\n");
  assertEquals(frames(new LineSplitter(), [euro.slice(0, 1), euro.slice(1, 2), euro.slice(2)]), [
    { kind: "line", text: "€" },
  ]);
});

Deno.test("framing: chunks are copied, so a stream may reuse its buffer", () => {
  const splitter = new LineSplitter();
  const buffer = encoder.encode("abc");
  assertEquals(splitter.push(buffer), []);
  buffer.set(encoder.encode("xyz"));
  assertEquals(splitter.push(encoder.encode("d\n")), [{ kind: "line", text: "abcd" }]);
});

Deno.test("framing: responses are encoded one per line", () => {
  assertEquals(new TextDecoder().decode(encodeLines(['{"a":1}', "[2]"])), '{"a":1}\n[2]\n');
  assertEquals(encodeLines([]).length, 0);
});

Deno.test("envelope: an id comes back as written, however the line spells it or what else it holds", () => {
  // [line, the id's text in the response]
  const cases: [string, string][] = [
    ['{"jsonrpc":"2.0","id":7,"method":"m"}', "7"],
    ['{"jsonrpc":"2.0","id":"a b","method":"m"}', '"a b"'],
    ['{"jsonrpc":"2.0","id" : 7 ,"method":"m"}', "7"],
    ['{"jsonrpc":"2.0","id":1.0,"method":"m"}', "1.0"],
    ['{"jsonrpc":"2.0","id":1e2,"method":"m"}', "1e2"],
    ['{"jsonrpc":"2.0","id":-0,"method":"m"}', "-0"],
    ['{"jsonrpc":"2.0","id":12345678901234567890,"method":"m"}', "12345678901234567890"],
    ['{"jsonrpc":"2.0","id":"\\u00e9","method":"m"}', '"\\u00e9"'],
    // A nested "id" written the serialized way must not stand for the request's own.
    ['{"jsonrpc":"2.0","params":{"id":1},"id":1.0,"method":"m"}', "1.0"],
    ['{"jsonrpc":"2.0","id":1.0,"params":{"id":1},"method":"m"}', "1.0"],
    ['{"jsonrpc":"2.0","params":{"x":"id"},"id":10,"method":"m"}', "10"],
    ['{"jsonrpc":"2.0","params":{"s":"\\""},"id":10.50,"method":"m"}', "10.50"],
    ['{"jsonrpc":"2.0","\\u0069d":2.50,"params":{"id":2.5},"method":"m"}', "2.50"],
    ['{"jsonrpc":"2.0","id":1,"id":1.0,"method":"m"}', "1.0"],
    ['{"jsonrpc":"2.0","id":12,"method":"m","__proto__":{"id":1}}', "12"],
  ];
  for (const [line, idText] of cases) {
    const message = readMessage(line);
    assert(message.kind === "single", line);
    const entry = message.entry;
    const id = entry.kind === "request" ? entry.request.id! : entry.id!;
    assertEquals(resultResponse(id, "0"), `{"jsonrpc":"2.0","id":${idText},"result":0}`, line);
    assertEquals(
      errorResponse(id, { code: 1, message: "x", data: { code: "x" } }),
      `{"jsonrpc":"2.0","id":${idText},"error":{"code":1,"message":"x","data":{"code":"x"}}}`,
      line,
    );
  }
  const batch = readMessage(
    '[{"jsonrpc":"2.0","id":1.0,"method":"m"},{"jsonrpc":"2.0","id":2,"method":"m"}]',
  );
  assert(batch.kind === "batch");
  assertEquals(
    batch.entries.map((e) => e.kind === "request" && resultResponse(e.request.id!, "0")),
    ['{"jsonrpc":"2.0","id":1.0,"result":0}', '{"jsonrpc":"2.0","id":2,"result":0}'],
  );
});
