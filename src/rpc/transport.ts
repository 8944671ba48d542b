/**
 * The stdio transport, with its streams passed in (tests feed in-memory streams): reads lines
 * from `input` while the previous group runs (after a second line in a row that came alone, once
 * its answer is written: read_hold.ts), hands every line already read to the group handler at
 * once, and writes the responses it returns. Writes nothing else to `output`.
 */
import { encodeLines, type Frame, LineSplitter, MAX_LINE_BYTES } from "./framing.ts";
import { ReadHold } from "./read_hold.ts";

/** Where responses go: a WritableStreamDefaultWriter, or anything with the same `write`. */
export interface ResponseWriter {
  write(chunk: Uint8Array): Promise<void>;
}

/**
 * A file read into a buffer of ours, as `Deno.stdin` is: cheaper per read than its
 * `readable`, which allocates and zeroes a fresh 64 KiB chunk for every read.
 */
export interface ByteReader {
  read(buffer: Uint8Array): Promise<number | null>;
}

/** A file written with `write` until every byte is out, as `Deno.stdout` is (no stream queue). */
export interface ByteWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** Bytes read per call from a ByteReader. */
const READ_BUFFER_BYTES = 64 * 1024;

/** How `serve` is wired and bounded. */
export interface ServeOptions {
  input: ReadableStream<Uint8Array> | ByteReader;
  output: ResponseWriter;
  /**
   * Runs the requests of lines read together and gives their response lines, one item per
   * commit (usually a single one); a promise of them for a method that runs alone (db.export).
   */
  handleGroup: (frames: readonly Frame[]) => Iterable<string[] | Promise<string[]>>;
  /** When aborted: finish the group in progress, write its responses, and stop reading. */
  signal?: AbortSignal;
  /** Told about trouble with the streams themselves (for stderr). */
  onError?: (message: string) => void;
  maxLineBytes?: number;
  /** Most lines run in one group (one commit); bounds the memory a group's responses use. */
  maxGroupLines?: number;
  /** Reading pauses while this much read input waits to be run. */
  maxBufferedBytes?: number;
}

/** Why serving ended. */
export type ServeEnd = "eof" | "stopped" | "output_closed";

/** Default number of lines per group commit. */
export const MAX_GROUP_LINES = 4096;

/** Default amount of read-ahead, in bytes, held while a group runs. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** Serves `input` until it ends, the signal aborts, or `output` can no longer be written. */
export async function serve(options: ServeOptions): Promise<ServeEnd> {
  const maxGroup = options.maxGroupLines ?? MAX_GROUP_LINES;
  const maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const splitter = new LineSplitter({ maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES });
  const reader = chunkReader(options.input);
  const queue: Frame[] = [];
  let queuedBytes = 0;
  let inputEnded = false;
  let stopping = false;
  // Resolvers of whoever is waiting: the runner for input, the reader for room in the queue.
  let wakeRunner: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const hold = new ReadHold();

  const enqueue = (frames: Frame[]) => {
    for (const frame of frames) {
      queue.push(frame);
      queuedBytes += frameBytes(frame);
    }
    wakeRunner?.();
  };

  const pump = async () => {
    let aloneBefore = false;
    try {
      while (!stopping) {
        while (queuedBytes > maxBuffered && !stopping) {
          await new Promise<void>((resolve) => wakeReader = resolve);
        }
        if (stopping) return;
        const chunk = await reader.read();
        if (chunk === null) break;
        const frames = splitter.push(chunk);
        const alone = frames.length === 1 && queue.length === 0 && splitter.pendingBytes === 0;
        enqueue(frames);
        // A second line in a row that came alone shows a client waiting for each answer; a
        // one-line run (`echo ... | dockswap-db rpc`) holds nothing and pays for no timer.
        if (alone && aloneBefore) await hold.wait();
        aloneBefore = alone;
      }
      if (!stopping) enqueue(splitter.finish());
    } catch (error) {
      if (!stopping) options.onError?.(`cannot read input: ${(error as Error).message}`);
    } finally {
      inputEnded = true;
      wakeRunner?.();
    }
  };

  const onAbort = () => wakeRunner?.();
  options.signal?.addEventListener("abort", onAbort);
  const reading = pump();
  let end: ServeEnd = "eof";
  try {
    while (true) {
      if (options.signal?.aborted) {
        end = "stopped";
        break;
      }
      if (queue.length === 0) {
        if (inputEnded) break;
        await new Promise<void>((resolve) => wakeRunner = resolve);
        wakeRunner = undefined;
        continue;
      }
      // Everything already read runs now, in one commit; nothing waits for more input.
      const group = queue.splice(0, maxGroup);
      for (const frame of group) queuedBytes -= frameBytes(frame);
      wakeReader?.();
      // Each item is one commit's responses; stopping between them leaves the rest unrun.
      const commits = options.handleGroup(group)[Symbol.iterator]();
      let closed = false;
      while (true) {
        let lines: string[];
        try {
          const next = commits.next();
          if (next.done) break;
          if (Array.isArray(next.value)) lines = next.value;
          else lines = await hold.whileAlone(next.value);
        } catch (error) {
          options.onError?.(`internal error while answering requests: ${(error as Error).message}`);
          break;
        }
        if (lines.length > 0) {
          const written = hold.writing();
          try {
            await options.output.write(encodeLines(lines));
          } catch (error) {
            options.onError?.(`cannot write responses: ${(error as Error).message}`);
            closed = true;
            break;
          } finally {
            written();
          }
        }
        if (options.signal?.aborted) break;
      }
      commits.return?.(undefined);
      hold.release();
      if (closed) {
        end = "output_closed";
        break;
      }
    }
  } finally {
    stopping = true;
    options.signal?.removeEventListener("abort", onAbort);
    hold.stop();
    wakeReader?.();
    if (!inputEnded) {
      // Not awaited: a read blocked on a terminal or pipe must not hold up the exit.
      reader.cancel().catch(() => {});
    } else {
      await reading;
    }
  }
  return end;
}

/** Writes every byte of each chunk to `file`, one `write` call after another. */
export function fileWriter(file: ByteWriter): ResponseWriter {
  return {
    async write(chunk) {
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
    },
  };
}

/**
 * Chunks of `input` until its end (null). A chunk read from a ByteReader lives in a buffer the
 * next read overwrites: the splitter copies what it keeps.
 */
function chunkReader(input: ReadableStream<Uint8Array> | ByteReader) {
  if (input instanceof ReadableStream) {
    const reader = input.getReader();
    return {
      read: async () => {
        const { value, done } = await reader.read();
        return done ? null : value;
      },
      cancel: () => reader.cancel(),
    };
  }
  const buffer = new Uint8Array(READ_BUFFER_BYTES);
  return {
    read: async () => {
      const n = await input.read(buffer);
      return n === null ? null : buffer.subarray(0, n);
    },
    // A file read cannot be cancelled; left pending, it ends with the process.
    cancel: () => Promise.resolve(),
  };
}

function frameBytes(frame: Frame): number {
  return frame.kind === "line" ? frame.text.length : 16;
}
