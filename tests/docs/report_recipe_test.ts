/**
 * The cron recipe of docs/report.md, run as cron would run it: the job of the cron.d block
 * (after five time fields and the user, `\%` a literal `%`) handed to /bin/sh with the PATH the
 * file sets, against a real database, again and again. The host's paths are moved under a
 * temporary folder; everything else runs as written, and the folder it serves is made by the
 * page's own shell block.
 */
import { assert, assertEquals, assertMatch } from "../_assert.ts";
import { cleanEnv, commandLine, EXECUTABLE } from "../_cli.ts";
import { blocks, shellBlocks } from "../_docs.ts";
import { makeReportHistory } from "../../bench/_report_dataset.ts";

const PAGE = "docs/report.md";
const HOST_PATHS =
  /(?<![\w.\/-])(\/var\/lib\/dockswap|\/var\/www\/dockswap|\/usr\/local\/bin)(?=[\/\s'":]|$)/gm;

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The cron job's command and environment. */
function cronJob(): { command: string; env: Record<string, string> } {
  const cron = blocks(PAGE).filter((b) => b.lang === "cron");
  assertEquals(cron.length, 1, `${PAGE}: one cron block`);
  const env: Record<string, string> = { PATH: "/usr/bin:/bin" };
  const jobs: string[] = [];
  for (const line of cron[0].text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const assignment = /^([A-Z_]+)=(.*)$/.exec(line);
    if (assignment) env[assignment[1]] = assignment[2];
    else jobs.push(line.split(/\s+/).slice(6).join(" "));
  }
  assertEquals(jobs.length, 1, `${PAGE}: one cron job`);
  assert(!/(^|[^\\])%/.test(jobs[0]), `unescaped % in the cron line: ${jobs[0]}`);
  return { command: jobs[0].replaceAll("\\%", "%"), env };
}

Deno.test("docs/report.md cron recipe, run as cron would, twice: the served page is whole, readable by the web server, and kept when a run fails", async () => {
  const root = await Deno.makeTempDir({ prefix: "dockswap-db-docs-report-" });
  try {
    const map = (text: string) => text.replace(HOST_PATHS, `${root}$1`);
    const job = cronJob();
    const bin = `${root}/usr/local/bin`;
    await Deno.mkdir(bin, { recursive: true });
    await Deno.mkdir(`${root}/var/lib/dockswap`, { recursive: true });
    const program = [EXECUTABLE, ...commandLine()].map(quote).join(" ");
    await Deno.writeTextFile(`${bin}/dockswap-db`, `#!/bin/sh\nexec ${program} "$@"\n`, {
      mode: 0o755,
    });
    await Deno.symlink(Deno.execPath(), `${bin}/deno`);
    const db = `${root}/var/lib/dockswap/dockswap.db`;
    makeReportHistory(db, {
      apps: 4,
      deployments: 80,
      days: 6,
      end: new Date().toISOString(),
      inFlightEvery: 4,
    });
    // The served folder is made by the page's own shell block, as a reader would.
    const setup = shellBlocks().filter((b) => b.page === PAGE && b.text.includes("/var/www/"));
    assertEquals(setup.length, 1);
    const made = await new Deno.Command("bash", {
      args: ["-eu", "-o", "pipefail", "-c", map(setup[0].text)],
      env: cleanEnv(),
      clearEnv: true,
    }).output();
    assert(made.success, new TextDecoder().decode(made.stderr));

    const served = `${root}/var/www/dockswap`;
    const run = async () => {
      const output = await new Deno.Command("/bin/sh", {
        args: ["-c", map(job.command)],
        // This process's environment stands for what the installed program needs (Deno's cache);
        // the cron file decides PATH, which is what finds the program and deno.
        env: cleanEnv({
          ...Object.fromEntries(Object.entries(job.env).map(([name, value]) => [name, map(value)])),
          HOME: root,
        }),
        clearEnv: true,
        stdin: "null",
      }).output();
      return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
    };
    let previous: { ino: number | null; text: string } | undefined;
    for (const round of ["first", "second"]) {
      const result = await run();
      assertEquals(result.code, 0, `${round} run: ${result.stderr}`);
      // Cron mails whatever a job prints: a good run prints nothing.
      assertEquals(result.stderr, "", round);
      assertEquals([...Deno.readDirSync(served)].map((e) => e.name), ["index.html"], round);
      const stat = Deno.statSync(`${served}/index.html`);
      assertEquals(stat.mode! & 0o777, 0o644, round);
      const text = Deno.readTextFileSync(`${served}/index.html`);
      assert(text.startsWith("<!DOCTYPE html>") && text.trimEnd().endsWith("</html>"), round);
      assertMatch(text, /<dd id="apps">4<\/dd>/);
      if (previous !== undefined) assert(stat.ino !== previous.ino, "the page was not replaced");
      previous = { ino: stat.ino, text };
    }
    // A run that fails (here: the database is gone) leaves the served page as it was.
    await Deno.rename(db, `${db}.away`);
    const failed = await run();
    assertEquals(failed.code, 3, failed.stderr);
    assertEquals(Deno.readTextFileSync(`${served}/index.html`), previous!.text);
    assertEquals([...Deno.readDirSync(served)].map((e) => e.name), ["index.html"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
