/**
 * Tables for people fit an 80-column terminal (the width when stdout is not one, as here):
 * every line of the everyday commands' table output and of every --help, with a long image,
 * a long app name and a long database path. A cut value shows "…"; --wide prints it whole;
 * JSON and CSV keep every column; example command lines in --help are never broken.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";

const WIDTH = 80;
const IMAGE = "registry.internal.example.com/platform-team/payments/very-long-service-name:" +
  "1.4.2-build.20261130.0123456789abcdef";
const APP = "payments-reconciliation-worker-for-the-european-region";

const cells = (line: string) => [...line].length;

/** The lines wider than the terminal. */
function tooWide(text: string): string[] {
  return text.split("\n").filter((line) => cells(line) > WIDTH);
}

/** A database far down a long folder path, with one app of a long name and a long image. */
async function longWorld(dir: string) {
  const folder = `${dir}/${"a-folder-with-a-rather-long-name-".repeat(3)}/` +
    `${"and-another-one-below-it-".repeat(3)}`;
  await Deno.mkdir(folder, { recursive: true });
  const db = `${folder}/deployment-history-of-this-host.db`;
  const config = `${folder}/${APP}.yaml`;
  const yaml = await Deno.readTextFile(`${FIXTURES}apps/worker.yaml`);
  await Deno.writeTextFile(config, yaml.replace(/^name: .*$/m, `name: ${APP}`));
  const deploy = async (...events: string[][]) => {
    const started = await cliJson<{ deployment: { id: number } }>(db, [
      "deploy",
      "start",
      APP,
      "--image",
      IMAGE,
      "--config",
      config,
    ]);
    const id = String(started.deployment.id);
    for (const event of events) await cliJson(db, ["deploy", "event", id, ...event]);
    return id;
  };
  await deploy(
    ["container_started", "--payload", JSON.stringify({ container: `${APP}-blue` })],
    ["health_check_passed"],
    ["caddy_updated"],
    ["drain_complete"],
    ["container_stopped"],
  );
  const id = await deploy(
    ["container_started"],
    [
      "health_check_failed",
      "--error",
      "GET /health returned 503 after 3 retries: upstream connect error or disconnect/reset",
    ],
    ["rollback_complete"],
  );
  return { db, config, id };
}

Deno.test("tables: every everyday command's table fits 80 columns; --wide prints values whole", async () => {
  await using dir = await tempDir();
  const { db, config, id } = await longWorld(dir.path);
  const commands = [
    ["status"],
    ["status", APP],
    ["history", APP],
    ["events", id],
    ["config", "history", APP],
    ["show", id],
    ["migrate", "status"],
    ["config", "check", config],
  ];
  for (const command of commands) {
    const table = await cli(["--db", db, ...command]);
    assert(table.code === 0 || command[1] === "check", `${command.join(" ")}: ${table.stderr}`);
    assertEquals(tooWide(table.stdout), [], `dockswap-db ${command.join(" ")}`);
  }

  // The image is cut where it does not fit, visibly, keeping its tag; --wide shows it whole.
  const status = await cli(["--db", db, "status"]);
  assert(!status.stdout.includes(IMAGE));
  assertStringIncludes(status.stdout, "…");
  assertStringIncludes(status.stdout, "0123456789abcdef");
  const wide = await cli(["--db", db, "--wide", "status"]);
  assertStringIncludes(wide.stdout, IMAGE);
  assertStringIncludes(wide.stdout, APP);
  assert(tooWide(wide.stdout).length > 0);
  const events = await cli(["--db", db, "--wide", "events", id]);
  assertStringIncludes(events.stdout, "upstream connect error or disconnect/reset");

  // Hashes show their first 12 digits and a mark; --wide and JSON have them whole.
  const [latest] = await cliJson<{ config_sha: string }[]>(db, ["config", "history", APP]);
  const short = await cli(["--db", db, "config", "history", APP]);
  assertStringIncludes(short.stdout, `${latest.config_sha.slice(0, 12)}…`);
  assertStringIncludes(
    (await cli(["--db", db, "--wide", "config", "history", APP])).stdout,
    latest.config_sha,
  );

  // Machine formats keep every column.
  const history = await cli(["--db", db, "--format", "csv", "history", APP]);
  assertEquals(
    history.stdout.split("\r\n")[0],
    "id,app_name,config_id,image,started_at,ended_at,status,active_color,rollback_of",
  );
  assertStringIncludes(history.stdout, IMAGE);
  const [state] = await cliJson<Record<string, unknown>[]>(db, ["status"]);
  assertEquals(Object.keys(state), [
    "app_name",
    "deployment_id",
    "active_color",
    "image",
    "status",
    "updated_at",
  ]);
});

/** Every command path and its --help, read from the help's own "Commands:" lists. */
async function helpTexts(path: string[] = []): Promise<[string[], string][]> {
  const help = await cli([...path, "--help"]);
  assertEquals(help.code, 0);
  const list = help.stdout.split("\nCommands:\n")[1]?.split("\n\n")[0] ?? "";
  const names = list.split("\n").map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== "help");
  const texts: [string[], string][] = [[path, help.stdout]];
  for (const name of names) texts.push(...await helpTexts([...path, name]));
  return texts;
}

Deno.test("help: every --help fits 80 columns, and example command lines stay whole", async () => {
  const texts = await helpTexts();
  assert(texts.length > 15, `found only ${texts.length} commands`);
  let examples = 0;
  for (const [path, help] of texts) {
    // A command line meant to be pasted (`  dockswap-db ...`) is never broken, whatever its width.
    const pasted = (line: string) => /^\s+(\S+=\$\()?dockswap-db /.test(line);
    examples += help.split("\n").filter(pasted).length;
    assertEquals(tooWide(help).filter((line) => !pasted(line)), [], path.join(" "));
  }
  assert(examples > 10);
  const start = (await cli(["deploy", "start", "--help"])).stdout;
  assertStringIncludes(
    start,
    "\n  dockswap-db deploy start web-api --image registry.example.com/web-api:1.4.2 " +
      "--config apps/web-api.yaml\n",
  );
});
