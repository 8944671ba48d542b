/**
 * Test harness for `dockswap-db rpc`: the real server as a subprocess, fed through pipes,
 * either one-shot (all input, then EOF) or as a long-lived coprocess.
 */
import { cleanEnv, cli, type CliResult, commandLine, EXECUTABLE } from "./_cli.ts";

/** A JSON-RPC response as the tests read it. */
export interface RpcResponse {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string; [key: string]: unknown } };
}

/** A request line. */
export function request(id: string | number | null, method: string, params?: unknown): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method,
    ...(params === undefined ? {} : { params }),
  });
}

/** A notification line (no id). */
export function notification(method: string, params?: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) });
}

/**
 * Runs `rpc` once over `db` with `input` on stdin (then EOF); stdout split into lines. `cwd` is
 * where relative file names (db.export's output) land: by default the database's folder, so that
 * a test never writes into the repository.
 */
export async function rpcOnce(
  db: string,
  input: string | Uint8Array,
  options: { cwd?: string } = {},
): Promise<CliResult & { lines: string[] }> {
  const cwd = options.cwd ??
    (db.startsWith("/") ? db.slice(0, db.lastIndexOf("/")) || "/" : undefined);
  const result = await cli(["--db", db, "rpc"], { stdin: input, cwd });
  const lines = result.stdout === "" ? [] : result.stdout.replace(/\n$/, "").split("\n");
  return { ...result, lines };
}

/** Runs `rpc` once with `lines` as input and returns the parsed responses; fails on exit != 0. */
export async function rpcLines(db: string, lines: string[]): Promise<unknown[]> {
  const result = await rpcOnce(db, lines.map((line) => line + "\n").join(""));
  if (result.code !== 0) throw new Error(`rpc exited ${result.code}: ${result.stderr}`);
  return result.lines.map((line) => JSON.parse(line));
}

/** A long-lived `dockswap-db rpc` subprocess: write a line, read a line. */
export class RpcProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<string>;
  readonly #stderr: Promise<string>;
  #buffer = "";
  #closed = false;

  constructor(db: string) {
    this.#child = new Deno.Command(EXECUTABLE, {
      args: [...commandLine(), "--db", db, "rpc"],
      env: cleanEnv(),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  /** The process id, to send it signals. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Writes raw text (one or more lines) to the server's stdin. */
  async write(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(text));
  }

  /** Reads the next response line, or undefined when stdout ended. */
  async readLine(): Promise<string | undefined> {
    while (!this.#buffer.includes("\n")) {
      const { value, done } = await this.#reader.read();
      if (done) {
        const rest = this.#buffer;
        this.#buffer = "";
        return rest === "" ? undefined : rest;
      }
      this.#buffer += value;
    }
    const newline = this.#buffer.indexOf("\n");
    const line = this.#buffer.slice(0, newline);
    this.#buffer = this.#buffer.slice(newline + 1);
    return line;
  }

  /** Sends one request and waits for its response. */
  async call(id: string | number, method: string, params?: unknown): Promise<RpcResponse> {
    await this.write(request(id, method, params) + "\n");
    const line = await this.readLine();
    if (line === undefined) throw new Error(`no response to ${method}: ${await this.#stderr}`);
    return JSON.parse(line);
  }

  /** Closes stdin (EOF) and returns the exit status, what remained on stdout, and stderr. */
  async close(): Promise<{ code: number; rest: string[]; stderr: string }> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#writer.close().catch(() => {});
    }
    return await this.finish();
  }

  /** Waits for the process to end on its own (after a signal) and collects what it left. */
  async finish(): Promise<{ code: number; rest: string[]; stderr: string }> {
    const rest: string[] = [];
    for (let line = await this.readLine(); line !== undefined; line = await this.readLine()) {
      rest.push(line);
    }
    const status = await this.#child.status;
    if (!this.#closed) {
      this.#closed = true;
      await this.#writer.close().catch(() => {});
    }
    return { code: status.code, rest, stderr: await this.#stderr };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closed) await this.close().catch(() => {});
    try {
      this.#child.kill();
    } catch {
      // Already ended.
    }
  }
}
