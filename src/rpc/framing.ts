/**
 * Line framing of a byte stream: one JSON value per line, UTF-8, as MCP's stdio transport
 * frames messages. Knows nothing of JSON-RPC: it turns bytes into lines and says which lines
 * could not be read. Memory stays bounded by the line cap whatever the input.
 */

/** Longest line accepted, in bytes without its newline. A longer line is read and discarded. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** One line of input: its text, or why it could not be read. */
export type Frame =
  | { kind: "line"; text: string }
  | { kind: "too_long"; bytes: number; limit: number }
  | { kind: "invalid_utf8" };

const NEWLINE = 0x0a;

/**
 * Splits chunks of bytes into frames. Feed it chunks with `push`, then call `finish` at the end
 * of input for a last line that has no newline. Blank lines yield nothing.
 */
export class LineSplitter {
  readonly maxLineBytes: number;
  // The start of the current line, held across chunks (copied: a stream may reuse its buffers).
  #parts: Uint8Array[] = [];
  #size = 0;
  // Set once the current line passed the cap; its bytes are then only counted.
  #discarding = false;
  #decoder = new TextDecoder("utf-8", { fatal: true });

  constructor(options: { maxLineBytes?: number } = {}) {
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  /** Bytes of the unfinished line currently held (never more than the cap). */
  get pendingBytes(): number {
    return this.#discarding ? 0 : this.#size;
  }

  /** Consumes a chunk and returns the frames of every line it completed. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (newline !== -1 && this.#size === 0 && !this.#discarding) {
        // The common case: a whole line inside one chunk, decoded without copying.
        if (end - start > this.maxLineBytes) {
          frames.push({ kind: "too_long", bytes: end - start, limit: this.maxLineBytes });
        } else {
          const frame = this.#decode(chunk.subarray(start, end));
          if (frame) frames.push(frame);
        }
      } else {
        this.#take(chunk.subarray(start, end));
        if (newline !== -1) {
          const frame = this.#endLine();
          if (frame) frames.push(frame);
        }
      }
      if (newline === -1) break;
      start = newline + 1;
    }
    return frames;
  }

  /** Ends the input: the frame of a last line without a newline, if any. */
  finish(): Frame[] {
    if (this.#size === 0 && !this.#discarding) return [];
    const frame = this.#endLine();
    return frame ? [frame] : [];
  }

  #take(piece: Uint8Array): void {
    if (piece.length === 0) return;
    if (!this.#discarding && this.#size + piece.length > this.maxLineBytes) {
      this.#discarding = true;
      this.#parts = [];
    }
    if (!this.#discarding) this.#parts.push(piece.slice());
    this.#size += piece.length;
  }

  #endLine(): Frame | undefined {
    const size = this.#size;
    const discarded = this.#discarding;
    const parts = this.#parts;
    this.#parts = [];
    this.#size = 0;
    this.#discarding = false;
    if (discarded) return { kind: "too_long", bytes: size, limit: this.maxLineBytes };
    if (parts.length === 1) return this.#decode(parts[0]);
    const line = new Uint8Array(size);
    let offset = 0;
    for (const part of parts) {
      line.set(part, offset);
      offset += part.length;
    }
    return this.#decode(line);
  }

  #decode(bytes: Uint8Array): Frame | undefined {
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      return { kind: "invalid_utf8" };
    }
    // Blank lines (an `echo` with an extra newline, CRLF endings) carry no message.
    if (text.trim() === "") return undefined;
    return { kind: "line", text };
  }
}

const encoder = new TextEncoder();

/** Encodes serialized messages as newline-terminated lines, ready to write in one go. */
export function encodeLines(lines: readonly string[]): Uint8Array {
  return encoder.encode(lines.length === 0 ? "" : lines.join("\n") + "\n");
}
