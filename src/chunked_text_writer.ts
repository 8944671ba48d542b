import type { ByteSink } from "./byte_sink.ts";

/**
 * Collects text into chunks of about `chunkChars` before writing, so each row costs no syscall.
 * Chunks stay small and are encoded into one reused buffer: text held across several pages
 * outlived young-generation GCs and was promoted with every string it joined, and a fresh array
 * per chunk is memory outside the JS heap that only a later GC returns; either made an export's
 * peak memory grow with its size.
 */
export class ChunkedTextWriter {
  readonly #sink: ByteSink;
  readonly #chunkChars: number;
  readonly #encoder = new TextEncoder();
  #buffer: Uint8Array;
  #parts: string[] = [];
  #length = 0;

  constructor(sink: ByteSink, chunkChars = 16 * 1024) {
    this.#sink = sink;
    this.#chunkChars = chunkChars;
    this.#buffer = new Uint8Array(chunkChars * 3);
  }

  /** Queues text, writing a chunk when enough has gathered. */
  async write(text: string): Promise<void> {
    this.#parts.push(text);
    this.#length += text.length;
    if (this.#length >= this.#chunkChars) await this.flush();
  }

  /** Writes whatever is queued. */
  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join("");
    this.#parts = [];
    this.#length = 0;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#buffer.length < text.length * 3) this.#buffer = new Uint8Array(text.length * 3);
    const { written } = this.#encoder.encodeInto(text, this.#buffer);
    await this.#sink.write(this.#buffer.subarray(0, written));
  }

  /** Flushes and closes the sink. */
  async close(): Promise<void> {
    await this.flush();
    await this.#sink.close();
  }
}
