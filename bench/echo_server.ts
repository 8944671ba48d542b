/**
 * The pipe's own cost in benchmark 1: a Deno process that answers each line of stdin with the
 * same line, at once, read and written as the real server reads and writes (`Deno.stdin.read`
 * into one reused buffer, one awaited `Deno.stdout.write` per group of lines). With
 * `--sync-write`, stdout is written with `writeSync` instead (faster, but a server cannot read
 * ahead while such a write blocks). `deno run bench/echo_server.ts [--sync-write]`.
 */
if (import.meta.main) {
  const syncWrite = Deno.args.includes("--sync-write");
  const buffer = new Uint8Array(64 * 1024);
  let pending = new Uint8Array(0);
  while (true) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) break;
    const joined = new Uint8Array(pending.length + n);
    joined.set(pending);
    joined.set(buffer.subarray(0, n), pending.length);
    const cut = joined.lastIndexOf(0x0a);
    if (cut === -1) {
      pending = joined;
      continue;
    }
    const lines = joined.subarray(0, cut + 1);
    for (let written = 0; written < lines.length;) {
      written += syncWrite
        ? Deno.stdout.writeSync(lines.subarray(written))
        : await Deno.stdout.write(lines.subarray(written));
    }
    pending = joined.slice(cut + 1);
  }
}
