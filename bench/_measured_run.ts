/** One process timed from outside: wall time, CPU time and peak resident memory (/usr/bin/time). */
export interface MeasuredRun {
  ms: number;
  maxRssMiB: number;
  /** CPU seconds of the process and its children (user + system). */
  cpuS: number;
  /** Size of the file the run wrote (0 when it wrote none). */
  bytes: number;
}

export interface MeasureOptions {
  /** Folder for /usr/bin/time's report. */
  dir: string;
  /** The file the run writes: its size is reported, then it is removed so runs start alike. */
  writes?: string;
  /** Send stdout to `writes` (the command prints its output instead of writing a file). */
  stdoutToFile?: boolean;
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Runs argv under /usr/bin/time and reports what it took; throws with its stderr if it failed. */
export async function measureRun(argv: string[], options: MeasureOptions): Promise<MeasuredRun> {
  const timeFile = `${options.dir}/time.txt`;
  const redirect = options.stdoutToFile && options.writes ? ` > ${quote(options.writes)}` : "";
  const script = `/usr/bin/time -f '%U %S %M' -o ${quote(timeFile)} ${
    argv.map(quote).join(" ")
  }${redirect}`;
  const started = performance.now();
  const result = await new Deno.Command("sh", {
    args: ["-c", script],
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - started;
  if (!result.success) {
    throw new Error(`${argv.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
  }
  const [user, system, kib] = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)!
    .split(" ").map(Number);
  let bytes = 0;
  if (options.writes) {
    bytes = (await Deno.stat(options.writes)).size;
    await Deno.remove(options.writes);
  }
  return { ms, maxRssMiB: kib / 1024, cpuS: user + system, bytes };
}
