/**
 * Benchmark 8, report: the 30-day HTML page of 200 apps and 20,000 deployments written by
 * `dockswap-db report --output`, against `dockswap-db export` of the same range into a file (the
 * same rows read and written out, with no layout); and the report's peak memory against the same
 * report of a tenth of the deployments.
 */
import { atMost, type BenchOptions, type BenchReport, formatNumber, reported } from "./_harness.ts";
import { dockswapArgs, prepareEntry } from "./_dockswap.ts";
import { makeReportHistory, type ReportHistory } from "./_report_dataset.ts";
import { type MeasuredRun, measureRun } from "./_measured_run.ts";

type Run = MeasuredRun;

/** Runs argv, which writes `out`. */
const measure = (argv: string[], out: string, dir: string) =>
  measureRun(argv, { dir, writes: out });

const END = "2026-11-30T00:00:00.000Z";
/**
 * The V8 old-space cap of the capped runs, in MiB: about 12 are the program's own; the page and
 * its statistics (`stats.get`: running counts per app, with the medians of all apps sorted by
 * SQLite) stream in the rest.
 */
const HEAP_CAP_MIB = 16;

/** The report's time and size against export's, and its memory against a tenth of the rows. */
export async function report(options: BenchOptions): Promise<BenchReport> {
  const deployments = options.quick ? 2_000 : 20_000;
  const entry = await prepareEntry();
  const make = (name: string, count: number): ReportHistory & { path: string } => {
    const path = `${options.dir}/${name}.db`;
    return {
      path,
      ...makeReportHistory(path, {
        apps: 200,
        deployments: count,
        days: 30,
        end: END,
        inFlightEvery: 10,
      }),
    };
  };
  const big = make("report-big", deployments);
  const tenth = make("report-tenth", deployments / 10);
  const since = "2026-10-31T00:00:00.000Z";
  const range = ["--since", since, "--until", END];
  const page = `${options.dir}/report.html`;
  const ndjson = `${options.dir}/export.ndjson`;
  const reportArgs = (db: string) =>
    dockswapArgs(entry, ["--db", db, "report", ...range, "--output", page]);
  const ours = (db: string) => measure([Deno.execPath(), ...reportArgs(db)], page, options.dir);
  // With V8's old space capped, a page held in memory (or anything growing with the rows) would
  // fail; a streamed one needs the same memory for any length.
  const capped = (db: string) =>
    measure(
      [
        Deno.execPath(),
        "run",
        `--v8-flags=--max-old-space-size=${HEAP_CAP_MIB}`,
        ...reportArgs(db).slice(1),
      ],
      page,
      options.dir,
    );
  const exported = (db: string) =>
    measure(
      [
        Deno.execPath(),
        ...dockswapArgs(entry, ["--db", db, "export", ...range, "--output", ndjson]),
      ],
      ndjson,
      options.dir,
    );
  // Warm the page cache, then alternate runs and keep the best of each.
  await ours(big.path);
  const oursRuns: Run[] = [];
  const baseRuns: Run[] = [];
  for (let i = 0; i < (options.quick ? 1 : 3); i++) {
    oursRuns.push(await ours(big.path));
    baseRuns.push(await exported(big.path));
  }
  const best = (runs: Run[]) => runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
  const o = best(oursRuns);
  const b = best(baseRuns);
  const small = await ours(tenth.path);
  const maxRss = Math.max(...oursRuns.map((r) => r.maxRssMiB));
  const bigCapped = await capped(big.path);
  const smallCapped = await capped(tenth.path);
  const mib = (bytes: number) => bytes / 2 ** 20;
  return {
    id: 8,
    title: "Report",
    method: `\`dockswap-db report\` of 30 days, 200 apps, ${formatNumber(big.deployments)} ` +
      `deployments and ${formatNumber(big.events)} events (one app in ten with a deployment in ` +
      `flight) to an HTML file, against \`dockswap-db export\` of the ` +
      `same range (all tables, NDJSON) to a file: the same rows read and written with no layout. ` +
      `Best of ${oursRuns.length} alternated runs after a warm-up. Peak memory is ` +
      `/usr/bin/time's max RSS of the whole process, compared with the same report of a tenth ` +
      `of the deployments (${formatNumber(tenth.deployments)}), once with V8's old space capped ` +
      `at ${HEAP_CAP_MIB} MiB (flat means streamed: nothing grows with the rows) and once as shipped.`,
    figures: [
      reported({
        label: `report time, ${formatNumber(big.deployments)} deployments`,
        ours: o.ms,
        baseline: b.ms,
        unit: "ms",
        ratio: o.ms / b.ms,
        ratioMeaning: "report/export time",
      }),
      reported({
        label: "report size",
        ours: mib(o.bytes),
        baseline: mib(b.bytes),
        unit: "MiB",
        ratio: o.bytes / b.bytes,
        ratioMeaning: "HTML/NDJSON bytes",
      }),
      atMost({
        label: `report max RSS, V8 old space capped at ${HEAP_CAP_MIB} MiB, ${
          formatNumber(big.deployments)
        } vs ${formatNumber(tenth.deployments)} deployments`,
        ours: bigCapped.maxRssMiB,
        baseline: smallCapped.maxRssMiB,
        unit: "MiB",
        ratio: bigCapped.maxRssMiB / smallCapped.maxRssMiB,
        ratioMeaning: "big/small",
      }, 1.3),
      reported({
        label: `report max RSS, uncapped, ${formatNumber(big.deployments)} vs ${
          formatNumber(tenth.deployments)
        } deployments`,
        ours: maxRss,
        baseline: small.maxRssMiB,
        unit: "MiB",
        ratio: maxRss / small.maxRssMiB,
        ratioMeaning: "big/small",
      }),
    ],
    details: [
      `Times: report ${oursRuns.map((r) => (r.ms / 1000).toFixed(2)).join(", ")} s; export ${
        baseRuns.map((r) => (r.ms / 1000).toFixed(2)).join(", ")
      } s. Report of ${formatNumber(tenth.deployments)} deployments: ${
        (small.ms / 1000).toFixed(2)
      } s, ${mib(small.bytes).toFixed(1)} MiB, max RSS ${
        small.maxRssMiB.toFixed(0)
      } MiB. Export's max RSS: ${Math.max(...baseRuns.map((r) => r.maxRssMiB)).toFixed(0)} MiB. ` +
      `Per deployment the page holds ${(o.bytes / big.deployments).toFixed(0)} bytes (its bar, ` +
      `its events table, its failure row if any). Capped runs: ${
        (bigCapped.ms / 1000).toFixed(2)
      } s and ${(smallCapped.ms / 1000).toFixed(2)} s; the capped page is ${
        bigCapped.bytes === o.bytes ? "the same size as" : "NOT the same size as"
      } the uncapped one. Uncapped, V8 lets promoted garbage pile up between full collections ` +
      `(the live heap after each is about the same), so its peak grows with the run's length; ` +
      `the capped figure is what the page needs.`,
    ],
  };
}
