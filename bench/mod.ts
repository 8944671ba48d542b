/**
 * `deno task bench [--quick] [--only=N[,M]]`: runs the benchmarks, prints each report and (for a
 * full-size run) writes bench/RESULTS.md. Databases go to a temporary folder on a real disk.
 */
import {
  type Benchmark,
  type BenchReport,
  describeMachine,
  isTmpfs,
  parseOptions,
  printReport,
  writeResults,
} from "./_harness.ts";
import { roundTrip } from "./round_trip_bench.ts";
import { pipelined } from "./pipelined_bench.ts";
import { startup } from "./startup_bench.ts";
import { exportEvents } from "./export_bench.ts";
import { eventSize } from "./size_bench.ts";
import { queries } from "./queries_bench.ts";
import { syncToFleet } from "./sync_bench.ts";
import { report } from "./report_bench.ts";

const BENCHMARKS: ReadonlyMap<number, Benchmark> = new Map([
  [1, roundTrip],
  [2, pipelined],
  [3, startup],
  [4, exportEvents],
  [5, eventSize],
  [6, queries],
  [7, syncToFleet],
  [8, report],
]);

if (import.meta.main) {
  // /var/tmp is disk-backed on most systems even where /tmp is tmpfs; BENCH_DIR overrides.
  const parent = Deno.env.get("BENCH_DIR") ?? "/var/tmp";
  const dir = await Deno.makeTempDir({ dir: parent, prefix: "dockswap-db-bench-" });
  const options = parseOptions(Deno.args, dir);
  try {
    if (await isTmpfs(dir)) console.error(`warning: ${dir} is tmpfs; fsync costs nothing there`);
    const machine = await describeMachine(dir);
    console.log(machine.join("\n") + "\n");
    const reports: BenchReport[] = [];
    for (const [id, benchmark] of BENCHMARKS) {
      if (options.only.length > 0 && !options.only.includes(id)) continue;
      const started = performance.now();
      const report = await benchmark(options);
      printReport(report);
      console.log(
        `(benchmark ${id} took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
      );
      reports.push(report);
    }
    if (!options.quick) {
      const path = new URL("./RESULTS.md", import.meta.url).pathname;
      await writeResults(path, machine, reports);
      // The repository checks markdown with `deno fmt --check`; wrap the new text as it would.
      await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path] }).output();
      console.log(`Results written to ${path}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
