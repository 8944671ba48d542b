/**
 * Benchmark 4, export: every event to NDJSON by `dockswap-db export --table events`, against the
 * sqlite3 CLI's `-json` output of the same rows, on two datasets: every event with the same
 * 71-byte payload, and events whose payloads vary as real deploys' do (the shape of issue 18's
 * outside check); and the export's peak memory at ten times the rows.
 */
import {
  atLeast,
  atMost,
  type BenchOptions,
  type BenchReport,
  formatNumber,
  output,
  reported,
} from "./_harness.ts";
import { dockswapArgs, prepareEntry } from "./_dockswap.ts";
import { AT_SCALE, datasetIn, type DatasetShape } from "./_dataset.ts";
import { EXPORT_SPECS } from "../src/store/export.ts";
import { type MeasuredRun, measureRun } from "./_measured_run.ts";
import { DatabaseSync } from "node:sqlite";

type Run = MeasuredRun;

/** Runs argv with its stdout sent to `out`. */
const measure = (argv: string[], out: string, dir: string) =>
  measureRun(argv, { dir, writes: out, stdoutToFile: true });

/** Export speed against sqlite3 -json (target: at least as fast) and memory growth (≤ 1.3). */
export async function exportEvents(options: BenchOptions): Promise<BenchReport> {
  const big: DatasetShape = options.quick ? { ...AT_SCALE, apps: 100 } : AT_SCALE;
  const small: DatasetShape = { ...big, apps: big.apps / 10 };
  const entry = await prepareEntry();
  const large = datasetIn(options.dir, big);
  const tenth = datasetIn(options.dir, small);
  const varied = datasetIn(options.dir, { ...big, payloads: "varied" });
  const out = `${options.dir}/export.out`;
  const ours = (path: string) =>
    measure(
      [Deno.execPath(), ...dockswapArgs(entry, ["--db", path, "export", "--table", "events"])],
      out,
      options.dir,
    );
  const hasSqlite3 = (await output("sqlite3", ["--version"])) !== "";
  if (!hasSqlite3) throw new Error("sqlite3 CLI not found; this benchmark needs it as baseline");
  const columns = EXPORT_SPECS.events.columns.join(", ");
  const sqlite3 = (path: string) =>
    measure(
      [
        "sqlite3",
        "-readonly",
        "-json",
        path,
        `SELECT ${columns} FROM deployment_events ORDER BY id`,
      ],
      out,
      options.dir,
    );

  // `--output FILE`: written to a temporary file, fsynced, renamed (what a user keeping the
  // export does); stdout stays empty.
  const toFile = (path: string) =>
    measure(
      [
        Deno.execPath(),
        ...dockswapArgs(entry, [
          "--db",
          path,
          "export",
          "--table",
          "events",
          "--output",
          `${out}.file`,
        ]),
      ],
      out,
      options.dir,
    ).then(async (run) => {
      const bytes = (await Deno.stat(`${out}.file`)).size;
      await Deno.remove(`${out}.file`);
      return { ...run, bytes };
    });

  // Warm the page cache for both, then alternate three runs each and take the median.
  await ours(large.path);
  await ours(varied.path);
  const oursRuns: Run[] = [];
  const fileRuns: Run[] = [];
  const baseRuns: Run[] = [];
  const variedRuns: Run[] = [];
  const variedBaseRuns: Run[] = [];
  for (let i = 0; i < 3; i++) {
    oursRuns.push(await ours(large.path));
    baseRuns.push(await sqlite3(large.path));
    fileRuns.push(await toFile(large.path));
    variedRuns.push(await ours(varied.path));
    variedBaseRuns.push(await sqlite3(varied.path));
  }
  const middle = (runs: Run[]) => [...runs].sort((a, b) => a.ms - b.ms)[1];
  const o = middle(oursRuns);
  const b = middle(baseRuns);
  const f = middle(fileRuns);
  const v = middle(variedRuns);
  const vb = middle(variedBaseRuns);
  const times = (runs: Run[]) => runs.map((r) => (r.ms / 1000).toFixed(2)).join(", ");
  const cpu = (runs: Run[]) => middleOf(runs.map((r) => r.cpuS)).toFixed(2);
  const oursSmall = await ours(tenth.path);
  const maxRss = (runs: Run[]) => Math.max(...runs.map((r) => r.maxRssMiB));
  const events = large.events;
  const payloadBytes = averagePayloadBytes(varied.path);
  return {
    id: 4,
    title: "Export",
    method: `All ${formatNumber(events)} events of the at-scale dataset written to stdout ` +
      `(redirected to a file on the same disk) by \`dockswap-db export --table events\` (NDJSON, ` +
      `payload a JSON value in the object, not a string) against \`sqlite3 -readonly -json DB "SELECT <same ` +
      `columns> FROM deployment_events ORDER BY id"\` (one JSON array, payload left as a ` +
      `string: less work than ours), median of three alternated runs after a warm-up, process ` +
      `start included; also \`--output FILE\` (temporary file, fsync, rename: sqlite3 does ` +
      `not fsync). The same on events shaped like real deploys' (the outside check's shape): ` +
      `payloads of a few bytes to ~1.2 KB by event type (${payloadBytes} bytes on average, a ` +
      `third of drain events with none, failing health checks with a log and an error), a ` +
      `64-digit hash on every event. ` +
      `Peak memory is /usr/bin/time's max RSS of the whole process; compared with the same ` +
      `export of a tenth of the rows (${formatNumber(tenth.events)} events).`,
    figures: [
      atLeast({
        label: `export ${formatNumber(events)} events`,
        ours: events / (o.ms / 1000),
        baseline: events / (b.ms / 1000),
        unit: "rows/s",
        ratio: b.ms / o.ms,
        ratioMeaning: "ours/sqlite3 speed",
      }, 1),
      atLeast({
        label: `export ${formatNumber(varied.events)} events, varied payloads`,
        ours: varied.events / (v.ms / 1000),
        baseline: varied.events / (vb.ms / 1000),
        unit: "rows/s",
        ratio: vb.ms / v.ms,
        ratioMeaning: "ours/sqlite3 speed",
      }, 1),
      reported({
        label: `export ${formatNumber(events)} events, --output FILE (fsync)`,
        ours: events / (f.ms / 1000),
        baseline: events / (b.ms / 1000),
        unit: "rows/s",
        ratio: b.ms / f.ms,
        ratioMeaning: "ours/sqlite3 speed",
      }),
      atMost({
        label: `max RSS, ${formatNumber(events)} vs ${formatNumber(tenth.events)} events`,
        ours: maxRss(oursRuns),
        baseline: oursSmall.maxRssMiB,
        unit: "MiB",
        ratio: maxRss(oursRuns) / oursSmall.maxRssMiB,
        ratioMeaning: "big/small",
      }, 1.3),
    ],
    details: [
      `Times: ours ${times(oursRuns)} s; --output ${times(fileRuns)} s; sqlite3 ${
        times(baseRuns)
      } s; varied payloads: ours ${times(variedRuns)} s, sqlite3 ${times(variedBaseRuns)} s. ` +
      `CPU (user + system, median): ours ${cpu(oursRuns)} s, --output ${cpu(fileRuns)} s, ` +
      `sqlite3 ${cpu(baseRuns)} s; varied: ours ${cpu(variedRuns)} s, sqlite3 ${
        cpu(variedBaseRuns)
      } s. Output: ours ${(o.bytes / 2 ** 20).toFixed(0)} MiB, sqlite3 ${
        (b.bytes / 2 ** 20).toFixed(0)
      } MiB; varied: ours ${(v.bytes / 2 ** 20).toFixed(0)} MiB, sqlite3 ${
        (vb.bytes / 2 ** 20).toFixed(0)
      } MiB. Max RSS: varied ${maxRss(variedRuns).toFixed(0)} MiB; sqlite3's own ${
        maxRss(baseRuns).toFixed(0)
      } MiB.`,
    ],
  };
}

function middleOf(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** The average size of the stored payloads (NULLs aside), in bytes. */
function averagePayloadBytes(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare(
      "SELECT avg(length(CAST(payload AS BLOB))) AS bytes FROM deployment_events",
    ).get() as { bytes: number };
    return Math.round(row.bytes);
  } finally {
    db.close();
  }
}
