/** Where bytes go (a file being written, stdout, a compressor in front of either), one interface. */
import { DockswapError } from "./errors.ts";

/** Where bytes go: a file being written, stdout, or a compressor in front of either. */
export interface ByteSink {
  /** Takes `bytes`, which stay valid only until the returned promise settles. */
  write(bytes: Uint8Array): Promise<void>;
  /** Flushes everything written; the sink is unusable afterwards. */
  close(): Promise<void>;
}

/** A sink onto a stream such as stdout; `name` says which in an error. */
export function writerSink(
  target: { writeSync(p: Uint8Array): number },
  name = "stdout",
): ByteSink {
  return {
    // Synchronous: an async write per chunk left the export idle a fifth of its time, and
    // there is nothing else to do meanwhile.
    // deno-lint-ignore require-await
    async write(bytes) {
      try {
        let rest = bytes;
        while (rest.length > 0) rest = rest.subarray(target.writeSync(rest));
      } catch (error) {
        // A reader that went away (`| head`) is the usual cause.
        throw new DockswapError("io_error", `Cannot write to ${name}: ${(error as Error).message}`);
      }
    },
    async close() {},
  };
}

/**
 * A sink that gzips what it is given into `inner` (CompressionStream: one chunk at a time). A
 * failure of `inner` (a full disk, a closed pipe) is what every later write and the close throw,
 * not the stream's own "errored" reason, which says nothing about the cause.
 */
export function gzipSink(inner: ByteSink): ByteSink {
  const compressor = new CompressionStream("gzip");
  const writer = compressor.writable.getWriter();
  const reader = compressor.readable.getReader();
  let failure: { error: unknown } | undefined;
  const pump = (async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      try {
        await inner.write(next.value);
      } catch (error) {
        // Recorded before the stream is torn down, which fails pending writes with no reason.
        failure = { error };
        reader.cancel(error).catch(() => {});
        // A failing inner sink must not leave the writer waiting forever.
        writer.abort(error).catch(() => {});
        throw error;
      }
    }
  })();
  pump.catch(() => {});
  const cause = (error: unknown) => failure === undefined ? error : failure.error;
  return {
    async write(bytes) {
      try {
        await writer.ready;
        // A copy: the stream keeps the chunk after this call, and the caller reuses its buffer.
        const chunk = bytes.slice() as Uint8Array<ArrayBuffer>;
        await Promise.race([writer.write(chunk), pump]);
      } catch (error) {
        throw cause(error);
      }
    },
    async close() {
      try {
        await writer.close();
        await pump;
      } catch (error) {
        throw cause(error);
      }
      await inner.close();
    },
  };
}
