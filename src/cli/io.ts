/** The process's streams and environment as the CLI sees them; tests of the CLI run it as a subprocess. */
export interface CliIo {
  /** Writes protocol or result text to stdout. */
  out(text: string): void;
  /** stdout as bytes, for output that is data rather than text (export's stream). */
  stdout: { writeSync(p: Uint8Array): number };
  /** True once stdout's reader has gone away (a closed pipe): a stream should stop. */
  stdoutGone?: () => boolean;
  /** Writes messages for people to stderr. */
  err(text: string): void;
  /** Reads stdin to its end, refusing more than `maxBytes`. */
  readStdin(maxBytes: number): Promise<Uint8Array>;
  /** Reads a file's bytes, refusing more than `maxBytes` without reading further. */
  readFile(path: string, maxBytes: number): Uint8Array;
  env(name: string): string | undefined;
  isDirectory(path: string): boolean;
  /** True when nothing is at `path` (through links), or an empty file: no database yet. */
  isMissingOrEmpty(path: string): boolean;
  /** True when stderr is a terminal (progress bars go there only then). */
  stderrIsTerminal: boolean;
  /** Width of the terminal stdout writes to; 80 when it is not a terminal. */
  columns: number;
  /** True when stdout is a terminal: a person reads it (no binary data, shorter listings). */
  stdoutIsTerminal: boolean;
}

const encoder = new TextEncoder();

/**
 * Writes all of `text`. A reader that went away (`dockswap-db history app | head`) is not an
 * error: the rest of the output is dropped, as a shell pipeline expects.
 */
function writeAllSync(stream: { writeSync(p: Uint8Array): number }, text: string): boolean {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    return false;
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/** The real process: Deno's stdio, file system and environment. */
export function denoIo(): CliIo {
  let stdoutGone = false;
  return {
    out: (text) => {
      if (!writeAllSync(Deno.stdout, text)) stdoutGone = true;
    },
    stdoutGone: () => stdoutGone,
    stdout: Deno.stdout,
    err: (text) => writeAllSync(Deno.stderr, text),
    async readStdin(maxBytes) {
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of Deno.stdin.readable) {
        total += chunk.length;
        if (total > maxBytes) throw new RangeError(`stdin is larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
      return concat(chunks, total);
    },
    readFile(path, maxBytes) {
      // Read at most one byte past the cap: `config add /dev/zero` must fail fast, not fill memory.
      using file = Deno.openSync(path, { read: true });
      const buffer = new Uint8Array(Math.min(maxBytes + 1, 64 * 1024));
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const n = file.readSync(buffer);
        if (n === null) break;
        total += n;
        if (total > maxBytes) throw new RangeError(`"${path}" is larger than ${maxBytes} bytes`);
        chunks.push(buffer.slice(0, n));
      }
      return concat(chunks, total);
    },
    env: (name) => Deno.env.get(name),
    isMissingOrEmpty(path) {
      try {
        const info = Deno.statSync(path);
        return info.isFile && info.size === 0;
      } catch {
        return true;
      }
    },
    isDirectory(path) {
      try {
        return Deno.statSync(path).isDirectory;
      } catch {
        return false;
      }
    },
    stderrIsTerminal: Deno.stderr.isTerminal(),
    columns: terminalColumns(),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
  };
}

/** The width tables and help fit: the terminal's, or 80 when stdout is not a terminal. */
function terminalColumns(): number {
  if (!Deno.stdout.isTerminal()) return 80;
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}
