/**
 * Benchmark 3, start-up: `dockswap-db status` as a one-shot process against `deno run` of an
 * empty script, both started the same way by the same Deno.
 */
import { atMost, type BenchOptions, type BenchReport, median, timeMs } from "./_harness.ts";
import { dockswapArgs, prepareEntry, runDockswap } from "./_dockswap.ts";
import { HAPPY_EVENTS, RawLifecycle } from "./_lifecycle.ts";

/** One-shot start-up: ours/empty time, target at most 2.5. */
export async function startup(options: BenchOptions): Promise<BenchReport> {
  const runs = options.quick ? 5 : 30;
  const entry = await prepareEntry();
  const db = `${options.dir}/startup.db`;
  // A small database that exists and is migrated, so status reads rows and migrates nothing.
  const raw = new RawLifecycle(db);
  raw.begin();
  for (let i = 0; i < 3; i++) {
    raw.addConfig(i);
    raw.startDeployment(i);
    for (let k = 0; k < HAPPY_EVENTS.length; k++) raw.event(i, k);
  }
  raw.commit();
  raw.close();
  await runDockswap(entry, ["--db", db, "status"]);
  const empty = `${options.dir}/empty.js`;
  await Deno.writeTextFile(empty, "");

  const once = (args: string[]) =>
    timeMs(async () => {
      const result = await new Deno.Command(Deno.execPath(), {
        args,
        stdout: "null",
        stderr: "null",
      }).output();
      if (!result.success) throw new Error(`${args.join(" ")} failed`);
    });
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    // Alternating, so drift of the machine touches both; the first two are a warm-up.
    const o = await once(dockswapArgs(entry, ["--db", db, "status"]));
    const b = await once(["run", "--quiet", "--no-config", empty]);
    if (i >= 2) {
      ours.push(o);
      baseline.push(b);
    }
  }
  const o = median(ours);
  const b = median(baseline);
  return {
    id: 3,
    title: "Start-up",
    method: `Median wall time of ${runs} runs of \`deno run --no-config <compile permissions> ` +
      `dist/dockswap-db --db F status\` (the bundle, on an existing 3-app database) against ` +
      `\`deno run --no-config empty.js\`, alternated, after two warm-up runs of each.`,
    figures: [
      atMost({
        label: "status, one-shot",
        ours: o,
        baseline: b,
        unit: "ms",
        ratio: o / b,
        ratioMeaning: "ours/empty time",
      }, 2.5),
    ],
    details: [
      `Ours: min ${Math.min(...ours).toFixed(1)} ms, max ${
        Math.max(...ours).toFixed(1)
      } ms; empty script: min ${Math.min(...baseline).toFixed(1)} ms, max ${
        Math.max(...baseline).toFixed(1)
      } ms.`,
    ],
  };
}
