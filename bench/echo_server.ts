/**
 * The pipe's own cost in benchmark 1: a Deno process that answers each line of stdin with the
 * same line, at once, read and written as the real server reads and writes (stdin reader,
 * one write per group of lines). `deno run bench/echo_server.ts`.
 */
if (import.meta.main) {
  const reader = Deno.stdin.readable.getReader();
  const writer = Deno.stdout.writable.getWriter();
  let pending = new Uint8Array(0);
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(pending.length + value.length);
    joined.set(pending);
    joined.set(value, pending.length);
    const cut = joined.lastIndexOf(0x0a);
    if (cut === -1) {
      pending = joined;
      continue;
    }
    await writer.write(joined.subarray(0, cut + 1));
    pending = joined.slice(cut + 1);
  }
  await writer.close();
}
