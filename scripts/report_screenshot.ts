/**
 * `deno run -A scripts/report_screenshot.ts`: remakes docs/report-demo.png, the picture in
 * docs/report.md. Plays `deno task demo` into a fresh database, writes its report over the
 * seconds the demo took, and photographs the page in headless Chromium (tests/_chromium.ts).
 */
import { DatabaseSync } from "node:sqlite";
import { Browser } from "../tests/_chromium.ts";

const REPO = new URL("..", import.meta.url).pathname;

async function run(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
}

const dir = await Deno.makeTempDir({ prefix: "dockswap-db-screenshot-" });
try {
  const db = `${dir}/demo.db`;
  await run(["task", "demo", "--db", db]);
  const reader = new DatabaseSync(db, { readOnly: true });
  const { first, last } = reader.prepare(
    "SELECT min(started_at) AS first, max(coalesce(ended_at, started_at)) AS last FROM deployments",
  ).get() as { first: string; last: string };
  reader.close();
  // The demo plays in a second or two: a range just around it.
  const since = new Date(Date.parse(first) - 200).toISOString();
  const until = new Date(Date.parse(last) + 300).toISOString();
  const page = `${dir}/report.html`;
  await run([
    "run",
    "-A",
    "src/main.ts",
    "--db",
    db,
    "report",
    "--since",
    since,
    "--until",
    until,
    "--output",
    page,
  ]);
  await using browser = await Browser.launch(1200, 860);
  await browser.open(`file://${page}`);
  await Deno.writeFile(`${REPO}docs/report-demo.png`, await browser.screenshot());
  console.log(`Wrote ${REPO}docs/report-demo.png`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
