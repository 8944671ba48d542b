/**
 * What a person at a terminal gets, run under a real pseudo-terminal (util-linux `script`):
 * no binary data, and a short history with a line saying how to see the rest.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, cliJson, commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { addHistory } from "../_history.ts";

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** Runs dockswap-db with stdin, stdout and stderr on a pseudo-terminal; `redirect` is shell text. */
async function onTerminal(args: string[], redirect = "") {
  const line = [EXECUTABLE, ...commandLine(), ...args].map(quote).join(" ") + redirect;
  const output = await new Deno.Command("script", {
    args: ["--quiet", "--return", "--command", line, "/dev/null"],
    env: cleanEnv({ SHELL: "/bin/sh", TERM: "dumb" }),
    clearEnv: true,
    stdin: "null",
  }).output();
  // What the terminal showed (stdout and stderr together, with the terminal's CRLF).
  const shown = new TextDecoder().decode(output.stdout).replaceAll("\r\n", "\n");
  return { code: output.code, shown };
}

async function databaseWithHistory(dir: string, deployments: number): Promise<string> {
  const db = `${dir}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  addHistory(db, { app: "web-api", deployments });
  return db;
}

Deno.test("export --gzip refuses to write compressed data to a terminal, as gzip does", async () => {
  await using dir = await tempDir();
  const db = await databaseWithHistory(dir.path, 2);
  const refused = await onTerminal(["--db", db, "export", "--gzip"]);
  assertEquals(refused.code, 2, refused.shown);
  assertStringIncludes(refused.shown, "not written to a terminal");
  // Nothing but text reached the terminal (gzip data starts 1f 8b and holds control bytes).
  assert([...refused.shown].every((c) => c >= " " || c === "\n" || c === "\t"), refused.shown);
  // Redirected, or into a file, the same command works from the same terminal.
  const redirected = await onTerminal(["--db", db, "export", "--gzip"], ` > ${dir.path}/out.gz`);
  assertEquals(redirected.code, 0, redirected.shown);
  const bytes = await Deno.readFile(`${dir.path}/out.gz`);
  assertEquals([bytes[0], bytes[1]], [0x1f, 0x8b]);
  const file = await onTerminal(["--db", db, "export", "--gzip", "--output", `${dir.path}/f.gz`]);
  assertEquals(file.code, 0, file.shown);
});

/** Deployment ids in a history table, in order. */
function tableIds(text: string): number[] {
  // A row: the id, then the start time (the app column is left out: history names one app).
  return [...text.matchAll(/^(\d+)\s+\d{4}-\d\d-\d\d /gm)].map((m) => Number(m[1]));
}

Deno.test("history on a terminal shows the latest 10 and says how to see the rest", async () => {
  await using dir = await tempDir();
  const db = await databaseWithHistory(dir.path, 25);
  const all = await cliJson<{ id: number }[]>(db, ["history", "web-api"]);
  assertEquals(all.length, 25);
  const newest = all.map((d) => d.id);

  const short = await onTerminal(["--db", db, "history", "web-api"]);
  assertEquals(short.code, 0, short.shown);
  assertEquals(tableIds(short.shown), newest.slice(0, 10));
  assertStringIncludes(short.shown, "Showing the latest 10 of 25 deployments; 15 more");
  assertStringIncludes(short.shown, "--limit N");
  assertStringIncludes(short.shown, "--all");

  // Each way the line names works, on the same terminal.
  const every = await onTerminal(["--db", db, "history", "web-api", "--all"]);
  assertEquals(tableIds(every.shown), newest);
  const some = await onTerminal(["--db", db, "history", "web-api", "--limit", "12"]);
  assertEquals(tableIds(some.shown), newest.slice(0, 12));
  assert(!some.shown.includes("Showing the latest"), some.shown);

  // Scripts get everything: another format on the terminal, or the table through a pipe.
  const json = await onTerminal(["--db", db, "--format", "json", "history", "web-api"]);
  assertEquals(JSON.parse(json.shown).length, 25);
  const piped = await cli(["--db", db, "history", "web-api"]);
  assertEquals(tableIds(piped.stdout), newest);
  assertEquals(piped.stderr, "");
  const csv = await cli(["--db", db, "--format", "csv", "history", "web-api"]);
  assertEquals(csv.stdout.trimEnd().split("\r\n").length, 26);
});

Deno.test("history on a terminal with 10 or fewer deployments shows them all, with no extra line", async () => {
  await using dir = await tempDir();
  const db = await databaseWithHistory(dir.path, 10);
  const run = await onTerminal(["--db", db, "history", "web-api"]);
  assertEquals(tableIds(run.shown).length, 10);
  assert(!run.shown.includes("Showing the latest"), run.shown);
});
