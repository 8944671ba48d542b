/**
 * Every --help text and the usage errors, byte for byte, against a golden file
 * (tests/cli/cli_texts.golden.txt): the words users read must not change by accident, for
 * instance when the argument parser underneath is replaced. Regenerate on purpose with
 * `UPDATE_GOLDEN=1 deno test ... tests/cli/cli_texts_golden_test.ts` and review the diff.
 */
import { assertEquals } from "../_assert.ts";
import { cliBatch, type CliResult, tempDir } from "../_cli.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname;
const GOLDEN = `${REPO_ROOT}tests/cli/cli_texts.golden.txt`;

/** Every command path, read from the help's own "Commands:" lists. */
async function commandPaths(home: string): Promise<string[][]> {
  const paths: string[][] = [];
  let level: string[][] = [[]];
  while (level.length > 0) {
    paths.push(...level);
    const helps = await cliBatch(level.map((path) => [...path, "--help"]), home);
    const next: string[][] = [];
    for (const [i, help] of helps.entries()) {
      const list = help.stdout.split("\nCommands:\n")[1]?.split("\n\n")[0] ?? "";
      for (const line of list.split("\n")) {
        const name = /^ {2}(\S+)/.exec(line)?.[1];
        if (name && name !== "help") next.push([...level[i], name]);
      }
    }
    level = next;
  }
  return paths;
}

/** Usage errors of every kind the parser words, parsed before any database is opened. */
const ERRORS: string[][] = [
  [],
  ["bogus"],
  ["stauts"],
  ["deploy"],
  ["deploy", "strat"],
  ["config", "ad"],
  ["help", "bogus"],
  ["help", "deploy", "strat"],
  ["help", "help"],
  ["help", "help", "deploy"],
  ["--bogus"],
  ["--bogus", "status"],
  ["status", "--bogus"],
  ["status", "--fromat", "json"],
  ["deploy", "start", "web", "--imgae", "x"],
  ["history"],
  ["deploy", "start"],
  ["deploy", "start", "web"],
  ["deploy", "start", "web", "--image"],
  ["deploy", "start", "web", "--image", "i", "--color", "red"],
  ["deploy", "start", "web", "--image", "i", "--config-id", "0"],
  ["deploy", "start", "web", "--image=i", "--config-id=x"],
  ["history", "web", "--limit", "0"],
  ["history", "web", "--limit=x"],
  ["history", "web", "--status", "bogus"],
  ["history", "--", "a", "b"],
  ["status", "a", "b"],
  ["--db"],
  ["status", "--db"],
  ["--format", "yaml", "status"],
  ["status", "--format", "xml"],
  ["status", "--format=xml"],
  ["--json", "--format", "csv", "status"],
  ["status", "--json", "--format=table"],
  ["export", "--format", "table"],
  ["export", "--table", "bogus"],
  ["doctor", "--stuck-after", "x"],
  ["doctor", "--stuck-after", "99999999d"],
  ["--json", "bogus"],
  ["--format", "ndjson", "history"],
  ["--json", "deploy", "start", "web"],
  ["--format", "json", "history", "web", "--limit", "x"],
  ["-V", "status", "--bogus"],
  ["status", "-V"],
  ["events", "x"],
  ["show"],
  ["backup"],
  ["fleet", "history"],
  ["fleet", "history", "a", "--limit", "-1"],
  ["sync", "--bogus"],
  ["report", "--app", "Bad App"],
  ["prune", "--keep", "x"],
  ["metrics", "--bogus"],
  ["rpc", "extra"],
  ["migrate", "stauts"],
];

function describe(argv: string[], result: CliResult): string {
  return [
    `$ dockswap-db ${argv.map((word) => JSON.stringify(word)).join(" ")}`,
    `exit ${result.code}`,
    "--- stdout",
    // The version line names the SQLite the runtime links: not the parser's words.
    result.stdout.replace(/^dockswap-db \S+ \(schema \d+, SQLite [\d.]+\)$/m, "VERSION LINE"),
    "--- stderr",
    result.stderr,
    "",
  ].join("\n");
}

Deno.test("every --help text and usage error is what the golden file holds, byte for byte", async () => {
  await using dir = await tempDir();
  const paths = await commandPaths(dir.path);
  const argvs = [
    ...paths.map((path) => [...path, "--help"]),
    ...paths.filter((path) => path.length > 0).map((path) => ["help", ...path]),
    ["-h"],
    ["deploy", "start", "-h"],
    ["--version"],
    ["status", "--version"],
    ...ERRORS,
  ];
  const results = await cliBatch(argvs, dir.path);
  const text = argvs.map((argv, i) => describe(argv, results[i])).join("\n");
  if (Deno.env.get("UPDATE_GOLDEN") === "1") Deno.writeTextFileSync(GOLDEN, text);
  const golden = Deno.readTextFileSync(GOLDEN);
  const got = text.split("\n$ ");
  const want = golden.split("\n$ ");
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    assertEquals(got[i], want[i], `command line ${i + 1}`);
  }
});
