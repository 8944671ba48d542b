/**
 * Configs the Go dockswap refuses to load (its yaml.v3 decoding into typed fields) are refused,
 * with the field named, by `config add`, `config check` and RPC `config.add`; close relatives
 * that Go accepts are still accepted.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { request, rpcLines, type RpcResponse } from "../_rpc.ts";
import { tableCounts } from "../_db.ts";
import { GO_REFUSED as REFUSED } from "../data/invalid_configs.ts";

const INVALID = new URL("../fixtures/invalid/", import.meta.url).pathname;
const WORKER = `${FIXTURES}apps/worker.yaml`;

Deno.test("configs the Go dockswap cannot decode are refused by config add and check", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const before = tableCounts(db);
  for (const [name, reason] of Object.entries(REFUSED)) {
    const file = `${INVALID}${name}`;
    for (const command of ["add", "check"]) {
      const result = await cli(["--db", db, "config", command, file]);
      assertEquals(result.code, 4, `${command} ${name}: ${result.stderr}`);
      assertStringIncludes(result.stderr, `${file}: `, name);
      assertStringIncludes(result.stderr, reason, name);
      assertEquals(result.stdout, "");
    }
  }
  assertEquals(tableCounts(db), before);
});

Deno.test("config.add over RPC refuses the same files, naming the field", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WORKER]);
  const before = tableCounts(db);
  const names = Object.keys(REFUSED).filter((name) => name !== "nul-character.yaml");
  const answers = await rpcLines(
    db,
    names.map((name, i) =>
      request(i, "config.add", { config_yaml: Deno.readTextFileSync(`${INVALID}${name}`) })
    ),
  ) as RpcResponse[];
  answers.forEach((answer, i) => {
    assertEquals(answer.error?.data?.code, "config_invalid", JSON.stringify(answer));
    assertStringIncludes(answer.error!.message, `config_yaml: `);
    assertStringIncludes(answer.error!.message, REFUSED[names[i]]);
  });
  assertEquals(tableCounts(db), before);
  // An integer with a fraction, which Go would truncate, is refused as the typo it must be.
  const worker = await Deno.readTextFile(WORKER);
  const [fraction] = await rpcLines(db, [
    request("f", "config.add", {
      config_yaml: worker.replace("  listen_port: 9000", "  listen_port: 9000.5"),
    }),
  ]) as RpcResponse[];
  assertStringIncludes(
    fraction.error!.message,
    "`proxy.listen_port` must be an integer, found 9000.5",
  );
  assertEquals(tableCounts(db), before);
});

Deno.test("values the Go dockswap decodes are still accepted", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const worker = await Deno.readTextFile(WORKER);
  const accepted: [string, string][] = [
    ["  timeout: 3s", '  timeout: "1m30s"'],
    ["  timeout: 3s", "  timeout: 1.5h"],
    ["  timeout: 3s", '  timeout: "0"'],
    ["  timeout: 3s", "  timeout: 250ms"],
    ["  timeout: 3s", "  timeout: ~"],
    ["  auto_rollback: false", "  auto_rollback: yes"],
    ["  auto_rollback: false", '  auto_rollback: "off"'],
    ["  auto_rollback: false", "  auto_rollback: TRUE"],
    ['    QUEUE: "jobs"', "    QUEUE: 42"],
    ['    QUEUE: "jobs"', "    DEBUG: true"],
    ["  host: worker.internal", "  host: 10"],
    ["proxy:\n", "proxy:\n  path_prefix:\n"],
    ["  expose_port: 9000\n", "  expose_port: 9000\n  volumes:\n    - /a:/b\n    - 5\n"],
    ["  expose_port: 9000\n", "  expose_port: 9000\n  environment_overrides:\n    blue:\n"],
    ["deployment:\n", "deployment:\n  startup_delay: -1s\n"],
  ];
  for (const [from, to] of accepted) {
    assert(worker.includes(from), from);
    const text = worker.replace(from, to);
    const result = await cli(["--db", db, "config", "add", "-"], { stdin: text });
    assertEquals(result.code, 0, `${to}: ${result.stderr}`);
  }
});
