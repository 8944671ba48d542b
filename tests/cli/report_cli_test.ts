/**
 * `dockswap-db report` through the real CLI on real files: the page is written whole or not at
 * all (0600, no temporary file left), refusals leave an existing page as it was, text from the
 * database is escaped, and the page says what it shows. What a browser makes of the page is in
 * report_browser_test.ts.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cleanEnv, cli, cliJson, commandLine, EXECUTABLE, FIXTURES, tempDir } from "../_cli.ts";
import { sqlite3 } from "../_db.ts";
import { makeReportHistory } from "../../bench/_report_dataset.ts";

const END = "2026-11-20T00:00:00.000Z";

function history(dir: string): string {
  const db = `${dir}/d.db`;
  makeReportHistory(db, { apps: 3, deployments: 60, days: 6, end: END, inFlightEvery: 3 });
  return db;
}

/** Files in `dir` other than the database's. */
function leftovers(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.startsWith("d.db")).sort();
}

Deno.test("report: one HTML page, 0600, whole; one bar per deployment started in the range; the page says what it shows", async () => {
  await using dir = await tempDir();
  const db = history(dir.path);
  const out = `${dir.path}/page.html`;
  const since = "2026-11-16T00:00:00.000Z";
  const until = "2026-11-19T00:00:00.000Z";
  const result = await cli([
    "--db",
    db,
    "report",
    "--since",
    "2026-11-16",
    "--until",
    until,
    "--output",
    out,
  ]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.stdout, "");
  assertEquals(Deno.statSync(out).mode! & 0o777, 0o600);
  assertEquals(leftovers(dir.path), ["page.html"]);
  const page = Deno.readTextFileSync(out);
  assert(page.startsWith("<!DOCTYPE html>"));
  assert(page.trimEnd().endsWith("</html>"));
  const inRange = await sqlite3(
    db,
    `SELECT group_concat(id) FROM (SELECT id FROM deployments WHERE started_at >= '${since}' AND started_at < '${until}' ORDER BY id)`,
    "-readonly",
  );
  const bars = [...page.matchAll(/<a class="bar [^"]*" href="#d(\d+)"/g)].map((m) => Number(m[1]));
  assert(bars.length > 10, `only ${bars.length} bars`);
  assertEquals(bars.sort((a, b) => a - b).join(","), inRange);
  // Each bar's anchor is on the page.
  for (const id of bars) assertStringIncludes(page, `<article class="deployment" id="d${id}">`);
  const failures = await sqlite3(
    db,
    `SELECT count(*) FROM deployments WHERE started_at >= '${since}' AND started_at < '${until}' AND status IN ('failed', 'rolled_back')`,
    "-readonly",
  );
  assertEquals(String(page.match(/<tr class="failure">/g)?.length ?? 0), failures);
  // Which database, host, range and time.
  assertStringIncludes(page, `<dd class="mono" id="database">${Deno.realPathSync(db)}</dd>`);
  const host = Deno.readTextFileSync("/etc/hostname").trim();
  assertStringIncludes(page, `<dd id="host">${host}</dd>`);
  assertStringIncludes(page, "2026-11-16 00:00:00 to 2026-11-19 00:00:00 UTC");
  assertMatch(page, /<dd id="made">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by dockswap-db /);
  // The statistics are those of `stats` for the same range (checked in detail below).
  assertStringIncludes(page, `<section id="statistics">`);
  // Self-contained: no script, nothing to fetch.
  assert(!/<script|<link|<img|<iframe|@import|url\(|src=/i.test(page));
});

Deno.test("report: refused runs write nothing and leave an existing page as it was", async () => {
  await using dir = await tempDir();
  const db = history(dir.path);
  const out = `${dir.path}/page.html`;
  Deno.writeTextFileSync(out, "the page of the last good run");
  const cases: [string[], number, RegExp][] = [
    [["--app", "no-such-app"], 3, /Nothing is recorded for app no-such-app/],
    [["--app", "bad name!"], 2, /--app/],
    [["--since", "2026-11-19", "--until", "2026-11-18"], 2, /--since .* must be before --until/],
    [["--since", "2026-11-19", "--until", "2026-11-19"], 2, /must be before/],
    [["--since", "yesterday"], 2, /--since: "yesterday" is not an ISO-8601 time/],
    [["--since", "-3d"], 2, /--since/],
    [["--until", "99999d"], 2, /longer than the maximum/],
  ];
  for (const [args, code, message] of cases) {
    const result = await cli(["--db", db, "report", ...args, "--output", out]);
    assertEquals(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assertMatch(result.stderr, message, args.join(" "));
    assertEquals(Deno.readTextFileSync(out), "the page of the last good run", args.join(" "));
    assertEquals(leftovers(dir.path), ["page.html"], args.join(" "));
  }
  const itself = await cli(["--db", db, "report", "--output", db]);
  assertEquals(itself.code, 2, itself.stderr);
  assertMatch(itself.stderr, /--output .* is the database itself/);
  const missing = await cli(["--db", `${dir.path}/none.db`, "report", "--output", out]);
  assertEquals(missing.code, 3, missing.stderr);
  assertEquals(leftovers(dir.path), ["page.html"]);
  const noFolder = await cli(["--db", db, "report", "--output", `${dir.path}/no/page.html`]);
  assertEquals(noFolder.code, 8, noFolder.stderr);
  assertMatch(noFolder.stderr, /its folder does not exist/);
});

Deno.test("report: to stdout when it is not a terminal; --app picks lanes", async () => {
  await using dir = await tempDir();
  const db = history(dir.path);
  const result = await cli([
    "--db",
    db,
    "report",
    "--since",
    "30d",
    "--app",
    "app-001",
    "--app",
    "app-002",
  ]);
  assertEquals(result.code, 0, result.stderr);
  assert(result.stdout.startsWith("<!DOCTYPE html>"));
  const lanes = [...result.stdout.matchAll(/<div class="lane" id="app-([^"]+)"/g)].map((m) => m[1]);
  assertEquals(lanes, ["app-001", "app-002"]);
  assertEquals(leftovers(dir.path), []);
  // Without --since, the page covers the 7 days before --until.
  const week = await cli(["--db", db, "report", "--until", "2026-11-19T12:00:00Z"]);
  assertEquals(week.code, 0, week.stderr);
  assertStringIncludes(week.stdout, "2026-11-12 12:00:00 to 2026-11-19 12:00:00 UTC (7d00h)");
});

Deno.test("report: an image or error text holding markup stays text", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const config = Deno.readTextFileSync(`${FIXTURES}apps/web-api.yaml`).replace(
    "name: web-api",
    "name: evil",
  );
  const image = `registry.example/<script>document.title="pwned"</script>:1`;
  const error =
    `</td></tr></table><script>console.error("pwned")</script><img src=x onerror=alert(1)> & "quotes" 'too'`;
  await cliJson(db, ["deploy", "start", "evil", "--image", image, "--config", "-"], {
    stdin: config,
  });
  await cliJson(db, ["deploy", "event", "--app", "evil", "container_failed", "--error", error]);
  const out = `${dir.path}/page.html`;
  const result = await cli(["--db", db, "report", "--output", out]);
  assertEquals(result.code, 0, result.stderr);
  const page = Deno.readTextFileSync(out);
  assert(!/<script|<img/i.test(page), "markup from the database reached the page as markup");
  assertStringIncludes(
    page,
    "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;console.error(&quot;pwned&quot;)&lt;/script&gt;" +
      "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;too&#39;",
  );
  assertStringIncludes(
    page,
    "registry.example/&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;:1",
  );
});

Deno.test("report: a run killed while writing leaves the page as it was; the next run clears its temporary file", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  makeReportHistory(db, { apps: 50, deployments: 4000, days: 30, end: END });
  const out = `${dir.path}/page.html`;
  Deno.writeTextFileSync(out, "the page of the last good run");
  const child = new Deno.Command(EXECUTABLE, {
    args: [
      ...commandLine(),
      "--db",
      db,
      "report",
      "--since",
      "40d",
      "--until",
      END,
      "--output",
      out,
    ],
    env: cleanEnv(),
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const temp = async () => {
    for (let i = 0; i < 1500; i++) {
      const found = leftovers(dir.path).find((name) => name.startsWith(".page.html.tmp-"));
      if (found !== undefined && Deno.statSync(`${dir.path}/${found}`).size > 0) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  };
  const name = await temp();
  child.kill("SIGKILL");
  await child.status;
  assert(name !== undefined, "no temporary file seen while the report was written");
  assertEquals(Deno.readTextFileSync(out), "the page of the last good run");
  assertEquals(leftovers(dir.path), [name, "page.html"].sort());
  // Over a minute old and unlocked: the next run to the same file removes it.
  const old = new Date(Date.now() - 120_000);
  Deno.utimeSync(`${dir.path}/${name}`, old, old);
  const result = await cli([
    "--db",
    db,
    "report",
    "--since",
    "40d",
    "--until",
    END,
    "--output",
    out,
  ]);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(leftovers(dir.path), ["page.html"]);
  assert(Deno.readTextFileSync(out).startsWith("<!DOCTYPE html>"));
});

Deno.test("report: an HTML page is not written to a terminal; redirected, it is", async () => {
  await using dir = await tempDir();
  const db = history(dir.path);
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  // Under a real pseudo-terminal (util-linux `script`), as terminal_test.ts runs commands.
  const onTerminal = async (redirect: string) => {
    const line = [EXECUTABLE, ...commandLine(), "--db", db, "report"].map(quote).join(" ") +
      redirect;
    const output = await new Deno.Command("script", {
      args: ["--quiet", "--return", "--command", line, "/dev/null"],
      env: cleanEnv({ SHELL: "/bin/sh", TERM: "dumb" }),
      clearEnv: true,
      stdin: "null",
    }).output();
    return { code: output.code, shown: new TextDecoder().decode(output.stdout) };
  };
  const refused = await onTerminal("");
  assertEquals(refused.code, 2, refused.shown);
  assertStringIncludes(refused.shown, "pass --output FILE.html");
  assert(!refused.shown.includes("<!DOCTYPE"), refused.shown);
  const redirected = await onTerminal(` > ${quote(`${dir.path}/page.html`)}`);
  assertEquals(redirected.code, 0, redirected.shown);
  assert(Deno.readTextFileSync(`${dir.path}/page.html`).startsWith("<!DOCTYPE html>"));
});

Deno.test("report: the statistics panel shows what `stats` computes for the same range and apps", async () => {
  await using dir = await tempDir();
  const db = history(dir.path);
  const range = ["--since", "2026-11-15T06:00:00Z", "--until", "2026-11-19T18:00:00Z"];
  interface Row {
    app_name: string | null;
    deployments: number;
    change_failure_rate: number | null;
    rolled_back: number;
    failures: number;
    longest_success_streak: number;
  }
  const stats = await cliJson<{ overall: Row; apps: Row[] }>(db, ["stats", ...range]);
  const out = `${dir.path}/page.html`;
  const all = await cli(["--db", db, "report", ...range, "--output", out]);
  assertEquals(all.code, 0, all.stderr);
  const page = Deno.readTextFileSync(out);
  const section = page.slice(
    page.indexOf('<section id="statistics">'),
    page.indexOf('<section id="failures">'),
  );
  const rate = (r: number | null) => r === null ? "–" : `${(r * 100).toFixed(1)}%`;
  assertStringIncludes(section, `<dt>Deployments</dt><dd>${stats.overall.deployments}</dd>`);
  assertStringIncludes(
    section,
    `<dt>Change failure rate</dt><dd>${rate(stats.overall.change_failure_rate)}</dd>`,
  );
  assertStringIncludes(
    section,
    `<dt>Longest run of successes</dt><dd>${stats.overall.longest_success_streak}</dd>`,
  );
  const rows = [
    ...section.matchAll(
      /<tr><td><a href="#app-([^"]+)">[^<]*<\/a><td>(\d+)<td>[^<]*<td>([^<]*)<td>(\d+)<td>(\d+)</g,
    ),
  ]
    .map((m) => [m[1], Number(m[2]), m[3], Number(m[4]), Number(m[5])]);
  assertEquals(
    rows,
    stats.apps.map((
      a,
    ) => [a.app_name, a.deployments, rate(a.change_failure_rate), a.failures, a.rolled_back]),
  );
  // Some apps: their rows, and no all-apps figures (stats has none for a subset).
  const some = await cli([
    "--db",
    db,
    "report",
    ...range,
    "--app",
    "app-002",
    "--app",
    "app-000",
    "--output",
    out,
  ]);
  assertEquals(some.code, 0, some.stderr);
  const subset = Deno.readTextFileSync(out);
  const part = subset.slice(
    subset.indexOf('<section id="statistics">'),
    subset.indexOf('<section id="failures">'),
  );
  assert(!part.includes('<dl class="figures">'), "all-apps figures on a page of some apps");
  assertEquals([...part.matchAll(/<tr><td><a href="#app-([^"]+)"/g)].map((m) => m[1]), [
    "app-002",
    "app-000",
  ]);
});
