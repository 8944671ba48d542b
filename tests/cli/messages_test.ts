/**
 * Refusals speak about the parameter, in sentences (what was given, what is accepted), never in
 * the validation library's own words; one class of problem has one code on both doors.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliBatch, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { tableCounts } from "../_db.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";

const WEB_API = `${FIXTURES}apps/web-api.yaml`;

/** zod's own phrasing, which must never reach a user. */
const RAW_PHRASES = [
  /expected string/i,
  /expected number/i,
  /Too small/,
  /Too big/,
  /Invalid input/,
  /Invalid option/,
  /Invalid string/,
  /Unrecognized key/,
  /"\|"/,
  />=\d|<=\d/,
];

function assertNoRawPhrasing(message: string, context: string): void {
  for (const phrase of RAW_PHRASES) {
    assert(!phrase.test(message), `${context}: ${phrase} in ${JSON.stringify(message)}`);
  }
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
};

/** Values a parameter with this schema refuses (or may refuse), derived from the schema. */
function wrongValues(schema: JsonSchema): unknown[] {
  const values: unknown[] = [null, true, -1, 0, 1.5, 2 ** 60, "", " ", "café", "-x", [], {
    a: 1,
  }];
  const variants = [schema, ...(schema.anyOf ?? [])];
  for (const s of variants) {
    if (s.maxLength !== undefined && s.maxLength < 500_000) {
      values.push("x".repeat(s.maxLength + 1));
    }
    if (s.minLength !== undefined && s.minLength > 0) values.push("x".repeat(s.minLength - 1));
    if (s.maximum !== undefined) values.push(s.maximum + 1);
    if (s.exclusiveMaximum !== undefined) values.push(s.exclusiveMaximum);
    if (s.minimum !== undefined) values.push(s.minimum - 1);
    if (s.exclusiveMinimum !== undefined) values.push(s.exclusiveMinimum);
    for (const option of s.enum ?? []) {
      // A near miss (two letters swapped) and a different case.
      if (typeof option !== "string" || option.length < 3) continue;
      values.push(option[1] + option[0] + option.slice(2), option.toUpperCase());
    }
  }
  return values;
}

Deno.test("every wrong value of every parameter of every RPC method is refused in sentences", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const [discover] = await rpcLines(db, [request(0, "rpc.discover")]) as RpcResponse[];
  const methods = (discover.result as { methods: { name: string; params: JsonSchema }[] }).methods;
  const lines: string[] = [];
  const sent: string[] = [];
  for (const method of methods) {
    const properties = Object.entries(method.params.properties ?? {});
    // A misspelled parameter name, and params that are not an object at all.
    const misspelled = properties.length > 0 ? properties[0][0].slice(0, -1) : "extra";
    for (const params of [{ [misspelled]: 1 }, null, 5, "x"]) {
      lines.push(request(lines.length, method.name, params));
      sent.push(`${method.name} ${JSON.stringify(params)}`);
    }
    for (const [name, schema] of properties) {
      for (const value of wrongValues(schema)) {
        lines.push(request(lines.length, method.name, { [name]: value }));
        sent.push(`${method.name} {${name}: ${JSON.stringify(value)?.slice(0, 40)}}`);
      }
    }
  }
  const answers = await rpcLines(db, lines) as RpcResponse[];
  assertEquals(answers.length, lines.length);
  let refusedParams = 0;
  for (const [i, answer] of answers.entries()) {
    if (!answer.error) continue;
    assertNoRawPhrasing(answer.error.message, sent[i]);
    const problems = answer.error.data?.problems as string[] | undefined;
    if (answer.error.code !== -32602 || !problems) continue;
    refusedParams++;
    // Each problem names its parameter, then says what was given and what is accepted.
    for (const problem of problems) {
      // (a rule that is a whole sentence starts with the parameter's path instead; a rule on
      // the whole params object names "params").
      const [, name, rest] = problem.match(/^([a-z_]+)[.[\]0-9a-z_]*: (.*)$/s) ?? [];
      assert(name, `${sent[i]}: ${problem}`);
      const says = ["got ", "missing; ", "unknown parameter", name];
      assert(name === "params" || says.some((s) => rest.startsWith(s)), `${sent[i]}: ${problem}`);
      assertNoRawPhrasing(problem, sent[i]);
    }
  }
  assert(refusedParams > 200, `only ${refusedParams} refusals: the corpus is too small`);
});

/** The command lines of every leaf command, each with one argument or option given wrong. */
function cliCorpus(db: string): string[][] {
  const wrong = ["", " ", "café", "x".repeat(600), "deplyo", "0", "-1", "1.5", "{}"];
  // Valid values for the slots not under test.
  const valid: Record<string, string[]> = {
    "config add": [WEB_API],
    "config show": ["web-api"],
    "config history": ["web-api"],
    "config check": [WEB_API],
    "config diff": ["web-api"],
    "deploy start": ["web-api", "--image", "web-api:1"],
    "deploy event": ["1", "container_started"],
    "recover": ["web-api"],
    "rollback": ["web-api"],
    "status": [],
    "history": ["web-api"],
    "events": ["1"],
    "show": ["1"],
    "export": [],
    "doctor": [],
    "prune": ["--keep-last", "1"],
  };
  const options: Record<string, string[]> = {
    "config add": ["--app"],
    "config show": ["--id"],
    "config history": ["--limit"],
    "config check": ["--app"],
    "deploy start": ["--image", "--config-id", "--color"],
    "deploy event": ["--app", "--payload", "--error"],
    "recover": ["--reason"],
    "rollback": ["--to"],
    "history": ["--limit", "--status"],
    "export": ["--app", "--since", "--until", "--table"],
    "doctor": ["--stuck-after"],
    "prune": ["--keep-last", "--older-than", "--app"],
  };
  const argvs: string[][] = [];
  for (const [command, args] of Object.entries(valid)) {
    const words = command.split(" ");
    for (const value of wrong) {
      // Each positional in turn (options keep their valid values).
      args.forEach((arg, i) => {
        if (arg.startsWith("--") || args[i - 1]?.startsWith("--")) return;
        const changed = [...args];
        changed[i] = value;
        argvs.push(["--db", db, ...words, ...changed]);
      });
      for (const option of options[command] ?? []) {
        const rest = [...args];
        const at = rest.indexOf(option);
        if (at >= 0) rest.splice(at, 2);
        if (command === "deploy event" && option === "--app") rest.splice(0, 1);
        argvs.push(["--db", db, ...words, ...rest, option, value]);
      }
    }
  }
  return argvs;
}

Deno.test("every command refuses wrong arguments and options in sentences, not zod's words", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  await cliJson(db, ["deploy", "start", "web-api", "--image", "web-api:1"]);
  const argvs = cliCorpus(db);
  const results = await cliBatch(argvs, dir.path);
  let refused = 0;
  for (const [i, result] of results.entries()) {
    assertNoRawPhrasing(result.stderr, argvs[i].slice(2).join(" "));
    assert(!/internal error/.test(result.stderr), `${argvs[i].join(" ")}: ${result.stderr}`);
    if (result.code === 2) refused++;
  }
  assert(refused > 100, `only ${refused} refusals: the corpus is too small`);
});

Deno.test("a mistyped event gets a sentence and a suggestion, like a mistyped command", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const deployment = await cliJson<{ deployment: { id: number } }>(db, [
    "deploy",
    "start",
    "web-api",
    "--image",
    "web-api:1",
  ]);
  const id = String(deployment.deployment.id);
  const run = await cli(["--db", db, "deploy", "event", id, "contianer_started"]);
  assertEquals(run.code, 2, run.stderr);
  assertStringIncludes(run.stderr, 'EVENT: got "contianer_started"; must be one of: ');
  assertStringIncludes(run.stderr, "(did you mean container_started?)");
  const [rpc] = await rpcLines(db, [
    request(1, "deploy.event", { deployment_id: 1, event_type: "helth_check_passed" }),
  ]) as RpcResponse[];
  assertStringIncludes(rpc.error!.message, "(did you mean health_check_passed?)");
  const command = await cli(["--db", db, "deploy", "evnet"]);
  assertStringIncludes(command.stderr, "(Did you mean event?)");
});

Deno.test("an empty or missing value says what was given and what is accepted", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const image = await cli(["--db", db, "deploy", "start", "web-api", "--image", ""]);
  assertEquals(image.code, 2);
  assertStringIncludes(image.stderr, '--image: got an empty string (""); must have at least 1');
  const [missing] = await rpcLines(db, [request(1, "config.get", {})]) as RpcResponse[];
  assertEquals(
    missing.error!.message,
    "Invalid parameters for config.get: app_name: missing; must be a string",
  );
});

Deno.test("the app-name rule says ASCII letters, and refuses every other letter", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  // Letters outside ASCII, some that look like ASCII ones (Kelvin sign, fullwidth A, dotless i).
  for (const name of ["café", "\u212Aelvin", "\uFF21pp", "\u0131d", "straße", "ω"]) {
    const run = await cli(["--db", db, "history", name]);
    assertEquals(run.code, 2, `${name}: ${run.stderr}`);
    assertStringIncludes(run.stderr, "ASCII letter (A-Z, a-z)");
  }
  const exported = await cli(["--db", db, "export", "--app", "café"]);
  assertEquals(exported.code, 2, exported.stderr);
  assertStringIncludes(
    exported.stderr,
    'got "café"; must be 1-128 characters, each an ASCII letter',
  );
  for (const name of ["web-api", "A.b_c-9", "9lives"]) {
    const run = await cli(["--db", db, "history", name]);
    assert(run.code !== 2, `${name}: ${run.stderr}`);
  }
});

Deno.test("a config over 1 MiB is an invalid config (exit 4, config_invalid), from a file or stdin", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const before = tableCounts(db);
  const big = `${dir.path}/big.yaml`;
  const text = (await Deno.readTextFile(WEB_API)) + `# ${"x".repeat(1024 * 1024)}\n`;
  await Deno.writeTextFile(big, text);
  const runs = [
    await cli(["--db", db, "config", "add", big]),
    await cli(["--db", db, "config", "check", big]),
    await cli(["--db", db, "config", "add", "-"], { stdin: text }),
    await cli(["--db", db, "deploy", "start", "web-api", "--image", "w:1", "--config", big]),
  ];
  for (const run of runs) {
    assertEquals(run.code, 4, run.stderr);
    assertStringIncludes(run.stderr, "larger than 1048576 bytes");
    assertStringIncludes(run.stderr, "[config_invalid]");
  }
  const json = await cli(["--db", db, "--json", "config", "add", big]);
  assertEquals(JSON.parse(json.stderr).error.code, "config_invalid");
  assertEquals(tableCounts(db), before);
});
