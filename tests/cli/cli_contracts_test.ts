/** Flags that contradict each other, `help` on a full command path, bytes that round-trip. */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, cliJson, commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";

Deno.test("contradictory flags are refused as a usage error, whatever their order", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  const contradictions = [
    ["--json", "--format", "csv", "status"],
    ["--format", "ndjson", "--json", "status"],
    ["status", "--format=table", "--json"],
    ["config", "show", "web-api", "--raw", "--json"],
    ["--format", "csv", "config", "show", "web-api", "--raw"],
    ["history", "web-api", "--limit", "5", "--all"],
    ["deploy", "start", "web-api", "--image", "w:1", "--config", "x.yaml", "--config-id", "1"],
  ];
  for (const args of contradictions) {
    const run = await cli(["--db", db, ...args]);
    assertEquals(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assertEquals(run.stdout, "", args.join(" "));
    assertStringIncludes(run.stderr, "cannot be used with", args.join(" "));
  }
  // Saying the same thing twice is not a contradiction.
  const same = await cli([
    "--db",
    db,
    "--json",
    "--format",
    "json",
    "config",
    "history",
    "web-api",
  ]);
  assertEquals(same.code, 0, same.stderr);
  assertEquals(JSON.parse(same.stdout).length, 1);
});

Deno.test("help follows the whole command path", async () => {
  for (
    const [path, usage] of [
      [["deploy", "start"], "Usage: dockswap-db deploy start [options] <app>"],
      [["deploy", "event"], "Usage: dockswap-db deploy event (DEPLOYMENT_ID | --app APP) EVENT"],
      [["config", "show"], "Usage: dockswap-db config show [options] <app>"],
      [["migrate", "status"], "Usage: dockswap-db migrate status"],
      [["history"], "Usage: dockswap-db history [options] <app>"],
      [[], "Usage: dockswap-db [options] [command]"],
    ] as const
  ) {
    for (const args of [["help", ...path], [...path, "--help"]]) {
      const run = await cli(args);
      assertEquals(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
      assert(run.stdout.startsWith(usage), `${args.join(" ")}:\n${run.stdout}`);
    }
  }
  const nested = await cli(["deploy", "help", "start"]);
  assert(nested.stdout.startsWith("Usage: dockswap-db deploy start"), nested.stdout);
  const wrong = await cli(["help", "deploy", "strat"]);
  assertEquals(wrong.code, 2);
  assertStringIncludes(wrong.stderr, "unknown command 'strat'\n(Did you mean start?)");
});

/** The subcommand names a help text lists under "Commands:". */
function listedCommands(help: string): string[] {
  const section = help.split("\nCommands:\n")[1]?.split("\n\n")[0] ?? "";
  return section.split("\n").flatMap((line) => line.match(/^ {2}([a-z][a-z-]*)/)?.[1] ?? []);
}

Deno.test("help PATH and PATH --help print the same usage for every command path the help lists", async () => {
  const paths: string[][] = [[]];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    const viaHelp = await cli(["help", ...path]);
    const viaFlag = await cli([...path, "--help"]);
    const shown = ["help", ...path].join(" ");
    assertEquals(viaHelp.code, 0, `${shown}: ${viaHelp.stderr}`);
    assertEquals(viaFlag.code, 0, `${path.join(" ")} --help: ${viaFlag.stderr}`);
    assertEquals(viaHelp.stdout, viaFlag.stdout, shown);
    assert(
      viaHelp.stdout.startsWith(`Usage: ${["dockswap-db", ...path].join(" ")} `),
      `${shown}:\n${viaHelp.stdout}`,
    );
    for (const name of listedCommands(viaHelp.stdout)) paths.push([...path, name]);
  }
  // Every group, its subcommands and the help commands themselves.
  assert(paths.length > 25, `only ${paths.length} paths`);
  assert(paths.some((path) => path.join(" ") === "help"));
});

/** `sha256sum` of what `args` prints on stdout, computed by the real tool on the raw bytes. */
async function sha256OfStdout(args: string[]): Promise<string> {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const line = [EXECUTABLE, ...commandLine(), ...args].map(quote).join(" ");
  const output = await new Deno.Command("bash", {
    args: ["-c", `set -o pipefail; ${line} | sha256sum`],
    env: cleanEnv(),
    clearEnv: true,
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  return text.split(" ")[0];
}

Deno.test("config show --raw prints exactly the stored bytes: sha256sum equals config_sha", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  for (const fixture of ["web-api.yaml", "billing-crlf.yaml", "worker.yaml"]) {
    const file = `${FIXTURES}apps/${fixture}`;
    const added = await cliJson<{ config: { app_name: string; config_sha: string } }>(db, [
      "config",
      "add",
      file,
    ]);
    const { app_name, config_sha } = added.config;
    const [stored] = query<{ config_sha: string }>(
      db,
      "SELECT config_sha FROM app_configs WHERE app_name = ? ORDER BY id DESC LIMIT 1",
      app_name,
    );
    assertEquals(stored.config_sha, config_sha);
    assertEquals(
      await sha256OfStdout(["--db", db, "config", "show", app_name, "--raw"]),
      config_sha,
    );
    // And redirected to a file, it is the file that was added.
    const copy = `${dir.path}/${fixture}`;
    const run = await cli(["--db", db, "config", "show", app_name, "--raw"]);
    await Deno.writeTextFile(copy, run.stdout);
    assertEquals(await Deno.readFile(copy), await Deno.readFile(file), fixture);
  }
  // The CRLF fixture keeps its CRLF line ends.
  const crlf = await cli(["--db", db, "config", "show", "billing", "--raw"]);
  assertStringIncludes(crlf.stdout, "\r\n");
});
