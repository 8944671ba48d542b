/**
 * The page `dockswap-db report` writes, opened in a real headless Chromium (tests/_chromium.ts):
 * it renders with no console message, no exception and no request beyond the file itself; it has
 * one bar per deployment in the range (counted in the DOM, against the `sqlite3` CLI); a
 * `<script>` in an image or error text runs nothing; lanes scroll with the app names and the axis
 * in view; a 2-second deployment beside a 2-hour one stays visible and apart when zoomed.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { Browser } from "../_chromium.ts";
import { makeReportHistory } from "../../bench/_report_dataset.ts";

const HOUR = 3_600_000;

/** A value the `sqlite3` CLI prints for a query: an outside reader of the file. */
async function sqlite3(db: string, sql: string): Promise<string> {
  const output = await new Deno.Command("sqlite3", { args: ["-readonly", db, sql] }).output();
  assert(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).trim();
}

/** The ids of the deployments that started in [since, until), by the sqlite3 CLI. */
async function idsInRange(db: string, since: string, until: string): Promise<number[]> {
  const text = await sqlite3(
    db,
    `SELECT id FROM deployments WHERE started_at >= '${since}' AND started_at < '${until}' ORDER BY id`,
  );
  return text === "" ? [] : text.split("\n").map(Number);
}

/** Writes the report of [since, until) to `out`; fails loudly otherwise. */
async function report(db: string, out: string, since: string, until: string): Promise<void> {
  const result = await cli([
    "--db",
    db,
    "report",
    "--since",
    since,
    "--until",
    until,
    "--output",
    out,
  ]);
  assertEquals(result.code, 0, result.stderr);
}

/**
 * App `pair`: a 2-second deployment, then ten minutes later one of two hours; both happy paths.
 * Straight into the file (the real clock cannot make a 2-hour deployment in a test).
 */
function addPair(path: string, start: number): { short: number; long: number } {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
  const iso = (ms: number) => new Date(ms).toISOString();
  const steps = [
    ["deploy", "stable", "starting"],
    ["container_started", "starting", "health_check"],
    ["health_check_passed", "health_check", "switching"],
    ["caddy_updated", "switching", "draining"],
    ["drain_complete", "draining", "stopping"],
    ["container_stopped", "stopping", "stable"],
  ];
  try {
    db.exec("BEGIN IMMEDIATE");
    const ids: number[] = [];
    for (const [i, [at, took]] of [[start, 2_000], [start + 10 * 60_000, 2 * HOUR]].entries()) {
      const id = Number(
        db.prepare(
          `INSERT INTO deployments (app_name, image, started_at, ended_at, status, active_color)
           VALUES ('pair', ?, ?, ?, 'success', ?)`,
        ).run(`registry.example/pair:${i}`, iso(at), iso(at + took), i === 0 ? "blue" : "green")
          .lastInsertRowid,
      );
      steps.forEach(([type, from, to], n) => {
        db.prepare(
          `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state, created_at)
           VALUES (?, 'pair', ?, ?, ?, ?)`,
        ).run(id, type, from, to, iso(at + Math.round(took * n / (steps.length - 1))));
      });
      ids.push(id);
    }
    db.prepare(
      `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
       VALUES ('pair', ?, 'green', 'registry.example/pair:1', 'stable', ?)`,
    ).run(ids[1], iso(start + 10 * 60_000 + 2 * HOUR));
    db.exec("COMMIT");
    return { short: ids[0], long: ids[1] };
  } finally {
    db.close();
  }
}

interface Rect {
  left: number;
  right: number;
  top: number;
  width: number;
}

const rectOf = (selector: string) =>
  `(() => { const r = document.querySelector(${
    JSON.stringify(selector)
  }).getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, width: r.width }; })()`;

Deno.test("report in Chromium: no console message, no request, a bar per deployment, a <script> in an error stays text, short and long deployments apart", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const now = Date.now();
  makeReportHistory(db, {
    apps: 12,
    deployments: 480,
    days: 30,
    end: new Date(now - 6 * HOUR).toISOString(),
    inFlightEvery: 5,
  });
  const pair = addPair(db, now - 5 * HOUR);
  // Hostile text through the real CLI: an image and an error that hold markup.
  const config = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`).replace(
    "name: web-api",
    "name: evil",
  );
  const image = `registry.example/<script>document.title="pwned"</script>:1`;
  const error = `</td></tr></table><script>console.error("pwned");document.title="pwned"</script>` +
    `<img src=x onerror=console.error("img")>`;
  await cliJson(db, ["deploy", "start", "evil", "--image", image, "--config", "-"], {
    stdin: config,
  });
  await cliJson(db, ["deploy", "event", "--app", "evil", "container_failed", "--error", error]);

  const until = new Date(now + HOUR).toISOString();
  const since = new Date(now + HOUR - 30 * 24 * HOUR).toISOString();
  const out = `${dir.path}/report.html`;
  await report(db, out, since, until);
  const expected = await idsInRange(db, since, until);
  assert(expected.length > 400, `only ${expected.length} deployments in range`);

  await using browser = await Browser.launch(1400, 900);
  const url = new URL(`file://${out}`).href;
  await browser.open(url);
  assertEquals(browser.eventsBesides(url), [], "console messages, exceptions or requests");

  const bars = await browser.evaluate<number[]>(
    `[...document.querySelectorAll("#timeline a.bar")].map((a) => Number(a.hash.slice(2)))`,
  );
  assertEquals(bars.length, expected.length);
  assertEquals(bars.sort((a, b) => a - b), expected);
  // Every bar leads to its events on the page.
  assertEquals(
    await browser.evaluate(
      `[...document.querySelectorAll("#timeline a.bar")].filter((a) => !document.getElementById(a.hash.slice(1))).length`,
    ),
    0,
  );
  assertEquals(await browser.evaluate("document.scripts.length"), 0);
  assertEquals(await browser.evaluate("document.images.length"), 0);
  assert(
    (await browser.evaluate<string>("document.title")).startsWith("Deployments on "),
    "the title was changed",
  );
  const failure = await browser.evaluate<string>(
    `[...document.querySelectorAll("tr.failure")].find((tr) => tr.textContent.includes("evil")).textContent`,
  );
  assertStringIncludes(failure, error);
  assertStringIncludes(failure, image);

  // Never narrower than 3 pixels, whatever the zoom.
  const narrowest = await browser.evaluate<number>(
    `Math.min(...[...document.querySelectorAll("#timeline a.bar")].map((a) => a.getBoundingClientRect().width))`,
  );
  assert(narrowest >= 2.99, `a bar is ${narrowest}px wide`);
  const short = `a.bar[href="#d${pair.short}"]`;
  const long = `a.bar[href="#d${pair.long}"]`;
  // 30 days at 1x: both are slivers; at 64x the 2 hours are wide, with their states.
  await browser.evaluate(`document.querySelector('label[for="zoom-64"]').click()`);
  const s = await browser.evaluate<Rect>(rectOf(short));
  const l = await browser.evaluate<Rect>(rectOf(long));
  assert(s.width >= 2.99 && s.width < 6, `2-second bar: ${JSON.stringify(s)}`);
  assert(l.width > 150, `2-hour bar at 64x: ${JSON.stringify(l)}`);
  assert(s.right < l.left, `they overlap: ${JSON.stringify({ s, l })}`);
  const states = await browser.evaluate<number[]>(
    `[...document.querySelector(${
      JSON.stringify(long)
    }).children].map((i) => i.getBoundingClientRect().width)`,
  );
  assertEquals(states.length, 5);
  assert(states.every((w) => w > 20), `state segments: ${states}`);
  assertEquals(browser.eventsBesides(url), []);

  const png = await browser.screenshot();
  assertEquals([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  Deno.writeFileSync(`${dir.path}/report.png`, png);
});

Deno.test("report in Chromium: 200 apps over 30 days scroll inside their box, names and axis in view", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const end = "2026-11-20T00:00:00.000Z";
  makeReportHistory(db, { apps: 200, deployments: 1000, days: 30, end });
  const since = "2026-10-21T00:00:00.000Z";
  const out = `${dir.path}/report.html`;
  await report(db, out, since, end);
  await using browser = await Browser.launch(1400, 900);
  const url = new URL(`file://${out}`).href;
  await browser.open(url);
  assertEquals(browser.eventsBesides(url), []);
  assertEquals(await browser.evaluate("document.querySelectorAll('.lane').length"), 200);
  assertEquals(
    await browser.evaluate("document.querySelectorAll('#timeline a.bar').length"),
    (await idsInRange(db, since, end)).length,
  );
  const box = await browser.evaluate<{ client: number; scroll: number; window: number }>(
    `(() => { const l = document.querySelector(".lanes"); return { client: l.clientHeight, scroll: l.scrollHeight, window: innerHeight }; })()`,
  );
  assert(box.client < box.window, `the lanes are ${box.client}px high in ${box.window}px`);
  assert(box.scroll > 5 * box.client, JSON.stringify(box));
  // Scrolled down and sideways (zoomed in): the app names stay at the left, the axis on top.
  await browser.evaluate(
    `document.querySelector('label[for="zoom-16"]').click(); const l = document.querySelector(".lanes"); l.scrollTop = 3000; l.scrollLeft = 6000; l.scrollIntoView(); 0`,
  );
  const lanes = await browser.evaluate<Rect>(rectOf(".lanes"));
  const axis = await browser.evaluate<Rect>(rectOf(".axis"));
  const visibleHead = await browser.evaluate<Rect>(
    `(() => { const box = document.querySelector(".lanes").getBoundingClientRect(); const head = [...document.querySelectorAll(".lane .head")].find((h) => h.getBoundingClientRect().top > box.top + 40); const r = head.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, width: r.width }; })()`,
  );
  assert(Math.abs(axis.top - lanes.top) <= 2, JSON.stringify({ axis, lanes }));
  assert(Math.abs(visibleHead.left - lanes.left) <= 2, JSON.stringify({ visibleHead, lanes }));
  assertEquals(browser.eventsBesides(url), []);
});

Deno.test("report in Chromium: one app", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const end = "2026-11-20T00:00:00.000Z";
  makeReportHistory(db, { apps: 1, deployments: 25, days: 30, end, inFlightEvery: 1 });
  const since = "2026-10-21T00:00:00.000Z";
  const out = `${dir.path}/report.html`;
  await report(db, out, since, end);
  await using browser = await Browser.launch(1000, 700);
  const url = new URL(`file://${out}`).href;
  await browser.open(url);
  assertEquals(browser.eventsBesides(url), []);
  assertEquals(await browser.evaluate("document.querySelectorAll('.lane').length"), 1);
  assertEquals(await browser.evaluate("document.querySelectorAll('#timeline a.bar').length"), 25);
  assertEquals(
    await browser.evaluate("document.querySelectorAll('#timeline a.bar.in_progress').length"),
    1,
  );
});
