/**
 * Hostile input: generated malformed input for the CLI and the RPC mode (random bytes,
 * truncated JSON and YAML, huge numbers, deep nesting, 10 MB lines, invalid UTF-8, SQL-injection
 * strings as app names and images). No crash (no exit 70, no signal), a clear error each time,
 * and the database unchanged. Inputs come from a seeded PRNG; the seed is printed.
 */
import { assert, assertEquals } from "../_assert.ts";
import { commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { rpcLines } from "../_rpc.ts";
import {
  configFor,
  deploymentRequests,
  dump,
  isCrash,
  line,
  Prng,
  problemsIn,
  requireNone,
  type Run,
  runToExit,
  suiteSeed,
} from "./_support.ts";

/** A run that takes longer than this is a hang: the process is killed and the case fails. */
const HANG_MS = 60_000;

const INJECTIONS = [
  "x'; DROP TABLE deployments; --",
  "'; DELETE FROM app_configs WHERE '1'='1",
  "web' OR '1'='1",
  'web"; DROP TABLE current_state; --',
  "Robert'); DROP TABLE deployment_events;--",
  "web' UNION SELECT config_yaml FROM app_configs--",
  "1; ATTACH DATABASE '/tmp/pwn.db' AS pwn;--",
  "web;--",
  "%",
  "_",
  "../../etc/passwd",
  "web\u202e",
  "ｗｅｂ",
  "a".repeat(129),
];

const NUMBERS = [
  "99999999999999999999999",
  "1e309",
  "-1",
  "0",
  "0x10",
  "NaN",
  "Infinity",
  "9007199254740993",
  "1.5",
  " 1",
  "١٢",
  "1e2",
];

/** Runs dockswap-db (argv given as is, or through bash for bytes a JS string cannot carry). */
function run(
  args: string[],
  options: { stdin?: Uint8Array; bash?: string } = {},
): Promise<Run> {
  const argv = options.bash === undefined
    ? { cmd: EXECUTABLE, args: [...commandLine(), ...args] }
    : {
      cmd: "bash",
      args: ["-c", `exec "$@" ${options.bash}`, "bash", EXECUTABLE, ...commandLine(), ...args],
    };
  return runToExit(argv.cmd, argv.args, options.stdin, HANG_MS);
}

/** A database with one stable app (`web`) and one deployment in flight (`busy`). */
async function seededDatabase(path: string): Promise<void> {
  const rng = new Prng(7);
  let n = 0;
  const responses = await rpcLines(path, [
    line("c1", "config.add", { config_yaml: configFor("web") }),
    line("c2", "config.add", { config_yaml: configFor("busy") }),
    ...deploymentRequests(rng, "web", "web:1", () => `w${n++}`),
    line("b", "deploy.start", { app_name: "busy", image: "busy:1" }),
  ]) as { error?: unknown }[];
  assert(responses.every((r) => !r.error), JSON.stringify(responses.filter((r) => r.error)));
}

/** One CLI case: argv, optional stdin, optional bash suffix for raw bytes. */
interface CliCase {
  label: string;
  args: string[];
  stdin?: Uint8Array;
  bash?: string;
  /** Exit statuses that count as a clean answer (default: any error status 1-8). */
  codes?: number[];
}

function cliCases(rng: Prng, dir: string): CliCase[] {
  const cases: CliCase[] = [];
  const appCommands = (app: string): string[][] => [
    ["status", app],
    ["history", app],
    ["config", "show", app],
    ["config", "history", app],
    ["config", "diff", app],
    ["deploy", "start", app, "--image", "img:1"],
    ["deploy", "event", "--app", app, "container_started"],
    ["recover", app],
    ["rollback", app],
    ["config", "add", `${FIXTURES}apps/web-api.yaml`, "--app", app],
  ];
  for (const app of INJECTIONS) {
    const args = rng.pick(appCommands(app));
    cases.push({ label: `injection app ${JSON.stringify(app)}: ${args[0]}`, args });
  }
  const numberCommands = (x: string): string[][] => [
    ["deploy", "event", x, "container_started"],
    ["show", x],
    ["events", x],
    ["history", "web", "--limit", x],
    ["config", "show", "web", "--id", x],
    ["rollback", "web", "--to", x],
    ["deploy", "start", "web", "--image", "img:2", "--config-id", x],
  ];
  for (const x of NUMBERS) {
    const args = rng.pick(numberCommands(x));
    cases.push({ label: `number ${JSON.stringify(x)}: ${args.join(" ")}`, args });
  }
  // Payloads go to an event the stable app refuses, so that even a valid one writes nothing.
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  const payloads = [
    ['truncated {"status":200,"body":[1,2', '{"status":200,"body":[1,2'],
    ["40,000-deep array", deep(40_000)],
    ["deep object", '{"a":'.repeat(5_000) + "1" + "}".repeat(5_000)],
    ["1e400", "1e400"],
    ["100 KB string", JSON.stringify("x".repeat(100_000))],
    ["lone surrogate escape", '"\\ud800"'],
  ];
  for (const [label, payload] of payloads) {
    cases.push({
      label: `payload ${label}`,
      args: ["deploy", "event", "--app", "web", "container_started", "--payload", payload],
    });
  }
  // Images with SQL in them: refused here because the app is in flight (written verbatim
  // otherwise; the injection test below checks that).
  for (const image of ["x';DROP/**/TABLE/**/deployments;--", "a b", "", "é".repeat(600)]) {
    cases.push({
      label: `image ${JSON.stringify(image)}`,
      args: ["deploy", "start", "busy", "--image", image],
    });
  }
  // Config files: random bytes, invalid UTF-8, 10 MB in one line, a YAML alias bomb, deep YAML.
  const files: [string, Uint8Array][] = [
    ["random bytes", rng.bytes(rng.int(1, 4096))],
    ["invalid UTF-8", new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0xc0, 0xaf])],
    ["10 MB line", new TextEncoder().encode("name: x\nd: " + "a".repeat(10 * 1024 * 1024))],
    [
      "alias bomb",
      new TextEncoder().encode(
        "name: bomb\na: &a [x,x,x,x,x,x,x,x,x]\n" +
          Array.from(
            { length: 9 },
            (_, i) =>
              `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${
                Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(",")
              }]`,
          ).join("\n") + "\n",
      ),
    ],
    ["deep YAML", new TextEncoder().encode("name: x\nd: " + "[".repeat(50_000))],
    ["NUL bytes", new Uint8Array(64)],
  ];
  for (const [label, bytes] of files) {
    const file = `${dir}/${label.replaceAll(" ", "-")}.yaml`;
    Deno.writeFileSync(file, bytes);
    cases.push({ label: `config file: ${label}`, args: ["config", "add", file] });
  }
  cases.push({
    label: "config from stdin: 10 MB line",
    args: ["config", "add", "-"],
    stdin: new TextEncoder().encode("x".repeat(10 * 1024 * 1024)),
  });
  // A truncated config may still be valid YAML: `config check` never writes (exit 0 or 1 is
  // an answer there).
  const yaml = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`).replace("web-api", "web");
  for (let i = 0; i < 3; i++) {
    const file = `${dir}/truncated-${i}.yaml`;
    Deno.writeTextFileSync(file, yaml.slice(0, rng.int(1, yaml.length - 1)));
    cases.push({
      label: `truncated YAML ${i}`,
      args: ["config", "check", file],
      codes: [0, 1, 2, 4, 8],
    });
  }
  // Invalid UTF-8 in argv (bash passes the raw bytes; Deno sees U+FFFD).
  cases.push({ label: "argv invalid UTF-8 app", args: ["status"], bash: `"$(printf 'web\\xff')"` });
  cases.push({
    label: "argv invalid UTF-8 image",
    args: ["deploy", "start", "busy", "--image"],
    bash: `"$(printf 'img\\xc0\\xaf')"`,
  });
  // Random argv: printable and non-ASCII junk after a random command word.
  const words = ["status", "history", "config", "deploy", "events", "show", "recover", "rollback"];
  const alphabet = "abc019-_./'\";%*?$`\\ éü€𝄞\t".split("");
  for (let i = 0; i < 8; i++) {
    const tokens = Array.from(
      { length: rng.int(0, 4) },
      () => Array.from({ length: rng.int(1, 24) }, () => rng.pick(alphabet)).join(""),
    ).filter((t) => !/^-.*d/.test(t)); // never a --db of its own
    cases.push({
      label: `random argv ${i}`,
      args: [rng.pick(words), ...tokens],
      codes: [0, 1, 2, 3, 4, 5, 8],
    });
  }
  return cases;
}

/**
 * What makes an answer clear: a message line of ours or commander's (or, for a command group
 * given no subcommand, its usage), and no stack trace.
 */
function unclear(result: Run): string | undefined {
  if (!/^(dockswap-db: |error: |Usage: dockswap-db )\S/m.test(result.stderr)) {
    return "no error message on stderr";
  }
  if (/^\s+at .+:\d+:\d+\)?$/m.test(result.stderr)) return "a stack trace reached the user";
  if (/internal error|this is a bug/i.test(result.stderr)) return "an internal error";
  return undefined;
}

Deno.test("hostile input: the CLI answers malformed arguments, files and stdin with a clear error and writes nothing", async () => {
  const seed = suiteSeed("hostile-cli");
  const rng = new Prng(seed);
  await using dir = await tempDir();
  const db = `${dir.path}/hostile.db`;
  await seededDatabase(db);
  const before = dump(db);
  const cases = cliCases(rng, dir.path);
  const failures: string[] = [];
  // Four at a time: the cases are independent and none may write.
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < cases.length) {
      const c = cases[next++];
      const result = await run(["--db", db, ...c.args], { stdin: c.stdin, bash: c.bash });
      const what = `${c.label} (exit ${result.code}${result.signal ? ` ${result.signal}` : ""})`;
      if (isCrash(result.code, result.signal)) {
        failures.push(`${what}: crashed: ${result.stderr.slice(0, 300)}`);
        continue;
      }
      const allowed = c.codes ?? [1, 2, 3, 4, 5, 6, 8];
      if (!allowed.includes(result.code)) {
        failures.push(
          `${what}: expected exit ${allowed.join("/")}: ${result.stderr.slice(0, 300)}`,
        );
      }
      if (result.code !== 0 && result.code !== 1) {
        const why = unclear(result);
        if (why) failures.push(`${what}: ${why}: ${result.stderr.slice(0, 300)}`);
      }
      if (dump(db) !== before) failures.push(`${what}: the database changed`);
    }
  }));
  requireNone(failures, `seed ${seed}: ${failures.length} of ${cases.length} CLI cases`);
  requireNone(problemsIn(db), "unsound file");
  console.log(`[hostile-cli] ${cases.length} cases, each a clear refusal, database unchanged`);
});

/** Hostile RPC lines; each must be answered by exactly one error response. */
function rpcCases(rng: Prng): Uint8Array[] {
  const enc = new TextEncoder();
  const lines: Uint8Array[] = [];
  const text = (s: string) => lines.push(enc.encode(s));
  const valid = [
    line(1, "state.get", { app_name: "web" }),
    line("x", "deploy.event", { app_name: "web", event_type: "container_started" }),
    line(2, "config.add", { config_yaml: configFor("web") }),
    line(3, "deploy.start", { app_name: "busy", image: "busy:2" }),
  ];
  // Random bytes (never a newline, never blank).
  for (let i = 0; i < 30; i++) {
    const bytes = rng.bytes(rng.int(1, 300)).map((b) => b === 0x0a ? 0x0b : b);
    bytes[0] = 0x21 + rng.int(0, 90); // printable, so the line is never blank
    lines.push(bytes);
  }
  // Truncated JSON: a valid request cut short.
  for (let i = 0; i < 10; i++) {
    const whole = rng.pick(valid);
    text(whole.slice(0, rng.int(1, whole.length - 1)));
  }
  // Huge and odd numbers where ids and row ids go.
  for (
    const n of [
      "1e400",
      "123456789012345678901234567890",
      "-0",
      "1.5",
      "-1",
      "0",
      "9007199254740993",
    ]
  ) {
    text(
      `{"jsonrpc":"2.0","id":7,"method":"deploy.event","params":{"deployment_id":${n},"event_type":"container_started"}}`,
    );
    text(`{"jsonrpc":"2.0","id":8,"method":"deploy.get","params":{"deployment_id":${n}}}`);
    text(
      `{"jsonrpc":"2.0","id":9,"method":"config.history","params":{"app_name":"web","limit":${n}}}`,
    );
  }
  text(`{"jsonrpc":"2.0","id":1e400,"method":"nope"}`);
  // Deep nesting, in params and as the whole message.
  text(
    `{"jsonrpc":"2.0","id":10,"method":"deploy.event","params":{"app_name":"busy","event_type":"container_started","payload":${
      "[".repeat(100_000)
    }${"]".repeat(100_000)}}}`,
  );
  text("[".repeat(200) + "]".repeat(200));
  text(
    `{"jsonrpc":"2.0","id":11,"method":"state.list","params":${'{"a":'.repeat(129)}1${
      "}".repeat(129)
    }}`,
  );
  // 10 MB lines: one request, one junk.
  text(line(12, "config.add", { config_yaml: "name: big\n#" + "a".repeat(10 * 1024 * 1024) }));
  lines.push(new Uint8Array(10 * 1024 * 1024).fill(0x41));
  // Invalid UTF-8 inside otherwise valid requests: 0xff, an overlong '/', a UTF-16 surrogate.
  for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
    const [head, tail] = [
      '{"jsonrpc":"2.0","id":13,"method":"state.get","params":{"app_name":"w',
      'b"}}',
    ];
    lines.push(new Uint8Array([...enc.encode(head), ...bad, ...enc.encode(tail)]));
  }
  // SQL injection as app names, images and config names: refused by the name rule, or (images
  // of an app in flight / never configured) by the lifecycle, so nothing is written.
  for (const app of [...INJECTIONS, "web\u0000", "\ud800web"]) {
    const method = rng.pick([
      "state.get",
      "deploy.start",
      "deploy.event",
      "config.history",
      "deploy.recover",
      "deploy.history",
    ]);
    const params: Record<string, unknown> = { app_name: app };
    if (method === "deploy.start") params.image = "img:1";
    if (method === "deploy.event") params.event_type = "container_started";
    text(line(`inj-${app}`, method, params));
    text(
      line(`cfg-${app}`, "config.add", {
        config_yaml: configFor("web").replace("name: web", `name: ${JSON.stringify(app)}`),
      }),
    );
  }
  for (const image of ["x';DROP/**/TABLE/**/deployments;--", "' OR 1=1 --", "a\nb", ""]) {
    text(line("img-busy", "deploy.start", { app_name: "busy", image }));
    text(line("img-ghost", "deploy.start", { app_name: "ghost", image }));
  }
  // A YAML alias bomb ("billion laughs") as a config.
  const bomb = "name: bomb\na: &a [x,x,x,x,x,x,x,x,x]\n" +
    "bcdefghij".split("").map((c, i) =>
      `${c}: &${c} [${Array(9).fill(`*${"abcdefghij"[i]}`).join(",")}]`
    ).join("\n") + "\n";
  text(line("bomb", "config.add", { config_yaml: bomb }));
  // Wrong shapes.
  for (
    const shape of [
      '"just a string"',
      "42",
      "null",
      "[]",
      '{"jsonrpc":"2.0","id":{},"method":"ping"}',
      '{"jsonrpc":"2.0","id":14,"method":"state.get","params":"web"}',
      '{"jsonrpc":"1.0","id":15,"method":"ping"}',
      '{"jsonrpc":"2.0","id":16,"method":"deploy.start","params":{"app_name":"web","image":"i:1","parms":1}}',
    ]
  ) {
    text(shape);
  }
  return lines;
}

Deno.test("hostile input: rpc answers every malformed line with an error, exits 0 at EOF, and writes nothing", async () => {
  const seed = suiteSeed("hostile-rpc");
  const rng = new Prng(seed);
  await using dir = await tempDir();
  const db = `${dir.path}/hostile.db`;
  await seededDatabase(db);
  const before = dump(db);
  const cases = rpcCases(rng);
  // Shuffled, so that hostile lines share group commits with each other in any order.
  for (let i = cases.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [cases[i], cases[j]] = [cases[j], cases[i]];
  }
  const size = cases.reduce((n, c) => n + c.length + 1, 0);
  const input = new Uint8Array(size);
  let offset = 0;
  for (const c of cases) {
    input.set(c, offset);
    input[offset + c.length] = 0x0a;
    offset += c.length + 1;
  }
  const result = await run(["--db", db, "rpc"], { stdin: input });
  assert(!isCrash(result.code, result.signal), `seed ${seed}: rpc crashed: ${result.stderr}`);
  assertEquals(result.code, 0, `seed ${seed}: exit status at EOF; stderr: ${result.stderr}`);
  assert(!/^\s+at .+:\d+:\d+\)?$/m.test(result.stderr), `stack trace on stderr: ${result.stderr}`);
  const responses = result.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  assertEquals(responses.length, cases.length, `seed ${seed}: one answer per line`);
  const bad = responses.filter((r) => {
    const error = Array.isArray(r) ? r[0]?.error : r.error;
    return !error || typeof error.message !== "string" || error.message.length < 10 ||
      error.code === -32603 || (!Array.isArray(r) && "result" in r);
  });
  requireNone(bad.map((r) => JSON.stringify(r).slice(0, 300)), `seed ${seed}: unclear answers`);
  assert(dump(db) === before, `seed ${seed}: the database changed`);
  requireNone(problemsIn(db), "unsound file");
  console.log(`[hostile-rpc] ${cases.length} lines (${size} bytes), each answered by an error`);
});

Deno.test("hostile input: rpc on a stream of pure random bytes answers each non-blank line", async () => {
  const seed = suiteSeed("hostile-rpc-random");
  const rng = new Prng(seed);
  await using dir = await tempDir();
  const db = `${dir.path}/random.db`;
  await seededDatabase(db);
  const before = dump(db);
  const input = rng.bytes(256 * 1024);
  // What the server must answer: each line (split at \n) that is not blank once decoded.
  let expected = 0;
  let start = 0;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i <= input.length; i++) {
    if (i < input.length && input[i] !== 0x0a) continue;
    const piece = input.subarray(start, i);
    start = i + 1;
    if (piece.length === 0) continue;
    try {
      if (decoder.decode(piece).trim() === "") continue;
    } catch {
      // Invalid UTF-8: answered with a parse error.
    }
    expected++;
  }
  const result = await run(["--db", db, "rpc"], { stdin: input });
  assertEquals(result.code, 0, `seed ${seed}: ${result.stderr}`);
  const responses = result.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  assertEquals(responses.length, expected, `seed ${seed}: one answer per non-blank line`);
  assert(responses.every((r) => r.error && r.error.code !== -32603), `seed ${seed}`);
  assert(dump(db) === before, `seed ${seed}: the database changed`);
});

Deno.test("hostile input: SQL in an accepted image is stored verbatim and runs nothing", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/injection.db`;
  await seededDatabase(db);
  const image = "x';DROP/**/TABLE/**/deployments;--";
  const tables = () =>
    query<{ name: string }>(
      db,
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    );
  const tablesBefore = tables();
  const result = await run(["--db", db, "--json", "deploy", "start", "web", "--image", image]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(
    query(db, "SELECT image FROM deployments WHERE app_name = 'web' ORDER BY id DESC LIMIT 1"),
    [{ image }],
  );
  assertEquals(tables(), tablesBefore);
  assert(tablesBefore.some((t) => t.name === "deployments"));
  requireNone(problemsIn(db), "unsound file");
});
