/**
 * Benchmark 3, start-up: the artifact users run (the bundle, executed through its own `#!` line)
 * doing `status` and `--version` as one-shot processes, against `deno run` of an empty script;
 * and, reported beside them, `status` as the first command after install (the bundle unpacks its
 * program into an empty cache folder, whose modules Deno has not compiled yet).
 */
import {
  atMost,
  type BenchOptions,
  type BenchReport,
  median,
  reported,
  timeMs,
} from "./_harness.ts";
import { dockswapArgs, prepareEntry, runDockswap } from "./_dockswap.ts";
import { HAPPY_EVENTS, RawLifecycle } from "./_lifecycle.ts";
import { createSchema } from "./_schema.ts";

/** One-shot start-up: ours/empty time, target at most 2.0 for each command. */
export async function startup(options: BenchOptions): Promise<BenchReport> {
  const runs = options.quick ? 7 : 30;
  const entry = await prepareEntry();
  const db = `${options.dir}/startup.db`;
  // A small database that exists and is migrated, so status reads rows and migrates nothing.
  createSchema(db);
  const raw = new RawLifecycle(db);
  raw.begin();
  for (let i = 0; i < 3; i++) {
    raw.addConfig(i);
    raw.startDeployment(i);
    for (let k = 0; k < HAPPY_EVENTS.length; k++) raw.event(i, k);
  }
  raw.commit();
  raw.close();
  // The bundle's cache folder, of this run (a user's is $HOME/.cache/dockswap-db).
  const cache = { DOCKSWAP_CACHE_DIR: `${options.dir}/cache` };
  await runDockswap(entry, ["--db", db, "status"], cache);
  const empty = `${options.dir}/empty.js`;
  await Deno.writeTextFile(empty, "");

  // The bundle runs as users run it, through its #! line; a source entry through deno run.
  const program = (args: string[]): [string, string[]] =>
    entry.endsWith(".ts") ? [Deno.execPath(), dockswapArgs(entry, args)] : [entry, args];
  const once = ([command, args]: [string, string[]], env: Record<string, string> = cache) =>
    timeMs(async () => {
      const result = await new Deno.Command(command, { args, env, stdout: "null", stderr: "null" })
        .output();
      if (!result.success) throw new Error(`${command} ${args.join(" ")} failed`);
    });
  const bundle = !entry.endsWith(".ts");
  const commands = {
    status: program(["--db", db, "status"]),
    version: program(["--version"]),
    empty: [Deno.execPath(), ["run", "--quiet", "--no-config", empty]] as [string, string[]],
  };
  const times = {
    status: [] as number[],
    version: [] as number[],
    empty: [] as number[],
    first: [] as number[],
  };
  for (let i = 0; i < runs + 2; i++) {
    // Alternating, so drift of the machine touches all; the first two are a warm-up.
    for (const name of ["status", "version", "empty"] as const) {
      const ms = await once(commands[name]);
      if (i >= 2) times[name].push(ms);
    }
    if (bundle && i >= 2) {
      times.first.push(
        await once(commands.status, { DOCKSWAP_CACHE_DIR: `${options.dir}/first-${i}` }),
      );
    }
  }
  const b = median(times.empty);
  const figure = (label: string, values: number[]) =>
    atMost({
      label,
      ours: median(values),
      baseline: b,
      unit: "ms",
      ratio: median(values) / b,
      ratioMeaning: "ours/empty time",
    }, 2.0);
  const range = (values: number[]) =>
    `min ${Math.min(...values).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;
  return {
    id: 3,
    title: "Start-up",
    method: `Median wall time of ${runs} runs of \`dist/dockswap-db --db F status\` and ` +
      `\`dist/dockswap-db --version\` (the bundle, started through its \`#!/usr/bin/env -S deno ` +
      `run --no-config ...\` line as users run it, its cache folder unpacked by the warm-up; status on ` +
      `an existing 3-app database) against \`deno run --no-config empty.js\`, the three ` +
      `alternated, after two warm-up rounds.`,
    figures: [
      figure("status, one-shot", times.status),
      figure("--version", times.version),
      ...(bundle
        ? [reported({
          label: "status, first run after install",
          ours: median(times.first),
          baseline: b,
          unit: "ms",
          ratio: median(times.first) / b,
          ratioMeaning: "ours/empty time",
        })]
        : []),
    ],
    details: [
      `status: ${range(times.status)}; --version: ${range(times.version)}; empty script: ${
        range(times.empty)
      }.`,
      ...(bundle
        ? [
          `First run after install: \`status\` with an empty cache folder each time (the bundle ` +
          `unpacks its program, ~0.6 MB, and Deno compiles its modules for the first time), ` +
          `${range(times.first)}.`,
        ]
        : []),
    ],
  };
}
