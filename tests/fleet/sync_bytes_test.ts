/**
 * Values that COPY's text format must escape arrive byte for byte: error texts and payloads with
 * tabs, newlines, carriage returns, backslashes, a literal `\N` and `\.`, quotes and non-ASCII
 * text, recorded by the real CLI, synced, then read back as hex by the sqlite3 CLI and by psql.
 */
import { assertEquals } from "../_assert.ts";
import { cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { assertCentralEqualsLocal, hostIdOf, newCentralAndHost, syncJson } from "./_fleet.ts";
import { startPostgres } from "./_postgres.ts";

/**
 * Each is one event's error text, and (as a JSON string) its payload. None ends in a line break:
 * `deploy event --error` stored "...\r" without its last byte when tried (its business, not
 * sync's).
 */
const AWKWARD = [
  "\\N",
  "\\.",
  "\t",
  "tab\there, newline\nthere, crlf\r\nand a lone cr\r in the middle",
  "back\\slash, \\N inside, \\t and \\n written out, trailing \\",
  `quotes " and ' and unicode: é 漢字 🚀 \u2028 \u00a0`,
  "\\.\n\\N\nlast line",
];

async function run(command: string[]): Promise<string> {
  const output = await new Deno.Command(command[0], {
    args: command.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

Deno.test("sync: COPY's special bytes round-trip", async () => {
  await using pg = await startPostgres();
  await using dir = await tempDir();
  const { database, url, db } = await newCentralAndHost(pg, `${dir.path}/bytes.db`);
  const config = `${FIXTURES}apps/worker.yaml`;
  for (const [i, text] of AWKWARD.entries()) {
    await cliJson(db, ["deploy", "start", "worker", "--image", `img:${i}`, "--config", config]);
    const payload = JSON.stringify({ text, raw: [text] });
    const failed = ["deploy", "event", "--app", "worker", "container_failed"];
    await cliJson(db, [...failed, "--error", text, "--payload", payload]);
    await cliJson(db, ["recover", "worker", "--reason", text]);
  }
  // Two rows per batch: several COPYs, each ending at a row boundary.
  await syncJson(db, url, "--batch-rows", "2");
  await assertCentralEqualsLocal(pg, database, db);

  const local = await run([
    "sqlite3",
    db,
    `SELECT id, hex(payload), payload IS NULL, hex(error), error IS NULL
     FROM deployment_events ORDER BY id`,
  ]);
  const central = await pg.psql(
    database,
    `SELECT id, upper(encode(convert_to(payload::text, 'UTF8'), 'hex')),
            (payload IS NULL)::int, upper(encode(convert_to(error, 'UTF8'), 'hex')),
            (error IS NULL)::int
     FROM dockswap.deployment_events WHERE host_id = '${hostIdOf(db)}' ORDER BY id;`,
  );
  assertEquals(central, local);
  // Each awkward text is some event's error, exactly (so none became NULL or lost a byte).
  const errors = new Set(
    local.trim().split("\n").map((line) => line.split("|")[3]).filter((hex) => hex !== ""),
  );
  for (const text of AWKWARD) {
    const hex = [...new TextEncoder().encode(text)]
      .map((byte) => byte.toString(16).padStart(2, "0").toUpperCase()).join("");
    assertEquals(errors.has(hex), true, `error ${JSON.stringify(text)} not stored locally`);
  }
});
