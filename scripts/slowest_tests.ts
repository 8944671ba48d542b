/**
 * `deno run --allow-read scripts/slowest_tests.ts REPORT.xml [N]`: where a test run's time went,
 * from the JUnit report `deno test --junit-path=REPORT.xml` writes (`deno task test:bundle
 * --junit-path=REPORT.xml` too). Prints the N slowest files (default 15) with their tests' summed
 * seconds, then the N slowest tests. Under `--parallel` the files overlap, so the sums add up to
 * more than the wall time.
 */

interface TestCase {
  file: string;
  name: string;
  seconds: number;
}

const ATTRIBUTE = (tag: string, name: string) =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? "";

function unescape(text: string): string {
  return text.replaceAll("&quot;", '"').replaceAll("&apos;", "'").replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** Every <testcase> of a report (a test's steps are cases of their own, named "test > step"). */
export function testCases(xml: string): TestCase[] {
  return [...xml.matchAll(/<testcase\s[^>]*>/g)].map(([tag]) => ({
    file: unescape(ATTRIBUTE(tag, "classname")),
    name: unescape(ATTRIBUTE(tag, "name")),
    seconds: Number(ATTRIBUTE(tag, "time")) || 0,
  }));
}

function main(args: string[]): number {
  const [report, count = "15"] = args;
  if (!report) {
    console.error("usage: deno run --allow-read scripts/slowest_tests.ts REPORT.xml [N]");
    return 2;
  }
  const n = Number(count);
  // A test with steps also reports each step, as "test > step", after it: count only tests.
  const all = testCases(Deno.readTextFileSync(report));
  const cases = all.filter((c, i) =>
    !all.slice(0, i).some((t) => t.file === c.file && c.name.startsWith(`${t.name} > `))
  );
  const files = new Map<string, { seconds: number; tests: number }>();
  for (const c of cases) {
    const file = files.get(c.file) ?? { seconds: 0, tests: 0 };
    file.seconds += c.seconds;
    file.tests++;
    files.set(c.file, file);
  }
  const total = cases.reduce((sum, c) => sum + c.seconds, 0);
  console.log(`${cases.length} tests in ${files.size} files, ${total.toFixed(1)} s summed`);
  console.log(`\nslowest files:`);
  for (
    const [file, { seconds, tests }] of [...files].sort((a, b) => b[1].seconds - a[1].seconds)
      .slice(0, n)
  ) {
    console.log(`${seconds.toFixed(1).padStart(8)} s  ${String(tests).padStart(3)} tests  ${file}`);
  }
  console.log(`\nslowest tests:`);
  for (const c of cases.toSorted((a, b) => b.seconds - a.seconds).slice(0, n)) {
    console.log(`${c.seconds.toFixed(1).padStart(8)} s  ${c.file}: ${c.name}`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(main(Deno.args));
