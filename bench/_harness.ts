/**
 * What every benchmark shares: options, timing, ratio formatting, the machine description and
 * the writing of bench/RESULTS.md. A benchmark returns a report; this module prints and stores it.
 */
import { sqliteVersion } from "../src/db/database.ts";

/** Command-line options of `deno task bench`. */
export interface BenchOptions {
  /** Small sizes: a smoke check in seconds, figures not meant for RESULTS.md. */
  quick: boolean;
  /** Benchmark numbers to run (empty: all). */
  only: number[];
  /** Where the benchmarks put their databases (a real disk, not tmpfs). */
  dir: string;
}

/** One measured figure: ours against a baseline measured in the same run. */
export interface Figure {
  label: string;
  ours: number;
  baseline: number;
  /** Unit of `ours` and `baseline` (e.g. "events/s", "ms", "MiB"). */
  unit: string;
  /** How ours compares with the baseline; its meaning is given by `ratioMeaning`. */
  ratio: number;
  /** e.g. "ours/raw throughput" or "ours/baseline time". */
  ratioMeaning: string;
  /** The target as text ("≥ 0.8"), or "report" when there is none. */
  target: string;
  /** Whether the target is met; undefined when there is none. */
  met?: boolean;
}

/** What a benchmark hands back: its figures and any markdown details (query plans, notes). */
export interface BenchReport {
  id: number;
  title: string;
  /** One paragraph: what was measured against what. */
  method: string;
  figures: Figure[];
  details: string[];
}

/** A benchmark module's entry point. */
export type Benchmark = (options: BenchOptions) => Promise<BenchReport>;

/** Parses `--quick`, `--only=N[,M]`. */
export function parseOptions(args: string[], dir: string): BenchOptions {
  const options: BenchOptions = { quick: false, only: [], dir };
  for (const arg of args) {
    if (arg === "--quick") options.quick = true;
    else if (arg.startsWith("--only=")) {
      options.only = arg.slice("--only=".length).split(",").map(Number);
      if (options.only.some((n) => !Number.isInteger(n) || n < 1)) {
        throw new Error(`--only: expected benchmark numbers like --only=2,4, got ${arg}`);
      }
    } else throw new Error(`unknown option ${arg}; use --quick and/or --only=N[,M]`);
  }
  return options;
}

/** Milliseconds taken by `work`. */
export async function timeMs(work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** The median of some numbers (timings of repeated runs; resists one slow outlier). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A number with a sensible count of digits for a table. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A ratio as printed everywhere: two decimals. */
export function formatRatio(ratio: number): string {
  return ratio.toFixed(2);
}

/** A figure whose target is "ratio at least `min`" (throughput, speed). */
export function atLeast(figure: Omit<Figure, "target" | "met">, min: number): Figure {
  return { ...figure, target: `≥ ${min}`, met: figure.ratio >= min };
}

/** A figure whose target is "ratio at most `max`" (time, memory). */
export function atMost(figure: Omit<Figure, "target" | "met">, max: number): Figure {
  return { ...figure, target: `≤ ${max}`, met: figure.ratio <= max };
}

/** A figure that is reported, with no target. */
export function reported(figure: Omit<Figure, "target" | "met">): Figure {
  return { ...figure, target: "report" };
}

/** The machine the figures come from, as markdown lines. */
export async function describeMachine(dir: string): Promise<string[]> {
  // Through `cat`: Deno lets a script read /proc only with --allow-all.
  const cpuinfo = await output("cat", ["/proc/cpuinfo"]);
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown CPU";
  const meminfo = await output("cat", ["/proc/meminfo"]);
  const memKiB = Number(meminfo.match(/^MemTotal:\s*(\d+)/m)?.[1] ?? 0);
  const fs = await output("df", ["-T", dir]);
  const [device, type] = fs.split("\n")[1]?.split(/\s+/) ?? ["?", "?"];
  const kernel = (await output("uname", ["-r"])).trim();
  const sqlite3 = (await output("sqlite3", ["--version"])).split(" ")[0] || "not installed";
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${model}, ${navigator.hardwareConcurrency} cores`,
    `- RAM: ${(memKiB / 1024 / 1024).toFixed(1)} GiB`,
    `- Temp dir: \`${dir}\` on ${type} (${device}), kernel ${kernel}`,
    `- Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), SQLite ${sqliteVersion()} (node:sqlite); ` +
    `sqlite3 CLI ${sqlite3}`,
  ];
}

/** Is `dir` on a RAM-backed file system, where fsync costs nothing? */
export async function isTmpfs(dir: string): Promise<boolean> {
  const type = (await output("df", ["-T", dir])).split("\n")[1]?.split(/\s+/)[1];
  return type === "tmpfs" || type === "ramfs";
}

/** Prints a report to stdout as it will read in RESULTS.md. */
export function printReport(report: BenchReport): void {
  console.log(reportMarkdown(report).join("\n") + "\n");
}

/** The figures table of a set of reports (RESULTS.md's summary). */
export function figuresTable(reports: BenchReport[]): string[] {
  const lines = [
    "| # | Figure | Ours | Baseline | Ratio | Target | Met |",
    "| - | ------ | ---- | -------- | ----- | ------ | --- |",
  ];
  for (const report of reports) {
    for (const f of report.figures) {
      const met = f.met === undefined ? "–" : f.met ? "yes" : "**no**";
      lines.push(
        `| ${report.id} | ${f.label} | ${formatNumber(f.ours)} ${f.unit} | ` +
          `${formatNumber(f.baseline)} ${f.unit} | ${formatRatio(f.ratio)} (${f.ratioMeaning}) | ` +
          `${f.target} | ${met} |`,
      );
    }
  }
  return lines;
}

function reportMarkdown(report: BenchReport): string[] {
  return [
    `### ${report.id}. ${report.title}`,
    "",
    report.method,
    "",
    ...figuresTable([report]),
    ...(report.details.length > 0 ? ["", ...report.details] : []),
  ];
}

const RESULTS_HEADER = `# Benchmark results

Written by \`deno task bench\`. The sections between \`<!-- bench:... -->\` markers are rewritten
by each full run; \`--only=N\` rewrites section N and the machine; \`--quick\` writes nothing.
Everything outside the markers is kept.
`;

/**
 * Writes the reports into bench/RESULTS.md: the machine section and each report's section are
 * replaced between their markers (appended when missing); the rest of the file is left alone,
 * so notes written by hand (before/after of fixes) survive a rerun.
 */
export async function writeResults(
  path: string,
  machine: string[],
  reports: BenchReport[],
): Promise<void> {
  let text = await readOr(path);
  if (text === "") text = RESULTS_HEADER;
  text = replaceSection(text, "machine", ["## Machine", "", ...machine]);
  text = replaceSection(text, "summary", [
    "## Summary (latest run of each benchmark)",
    "",
    ...figuresTable(mergeSummary(text, reports)),
  ]);
  for (const report of reports) {
    text = replaceSection(text, String(report.id), [
      "<!-- json " + JSON.stringify(report.figures) + " -->",
      "",
      ...reportMarkdown(report),
    ]);
  }
  await Deno.writeTextFile(path, text);
}

/** The reports of this run plus, for benchmarks not run now, the figures stored last time. */
function mergeSummary(text: string, reports: BenchReport[]): BenchReport[] {
  const all = new Map<number, BenchReport>();
  for (const match of text.matchAll(/<!-- bench:(\d+) -->\n<!-- json (.*) -->\n+### \d+\. (.*)/g)) {
    const id = Number(match[1]);
    all.set(id, { id, title: match[3], method: "", figures: JSON.parse(match[2]), details: [] });
  }
  for (const report of reports) all.set(report.id, report);
  return [...all.values()].sort((a, b) => a.id - b.id);
}

function replaceSection(text: string, name: string, body: string[]): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  // Blank lines around the body keep `deno fmt` from changing the file.
  const block = [start, ...body, "", end].join("\n");
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) return text.trimEnd() + "\n\n" + block + "\n";
  return text.slice(0, from) + block + text.slice(to + end.length);
}

async function readOr(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** Stdout of a command, or "" when it cannot run. */
export async function output(command: string, args: string[]): Promise<string> {
  try {
    const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "null" })
      .output();
    return new TextDecoder().decode(result.stdout);
  } catch {
    return "";
  }
}
