/**
 * One connection to the central PostgreSQL, through the `postgres` npm client (postgres.js),
 * which is imported here, on first use, so that only fleet commands load it. Every statement
 * has `$n` parameters; identifiers never come from input (the schema name is checked and is the
 * connection's whole search_path).
 */
import type { PeerCertificate } from "node:tls";
import { DockswapError } from "../errors.ts";
import type { CentralTarget } from "./central_target.ts";

/** The oldest PostgreSQL the central schema is written for. */
export const MINIMUM_SERVER_VERSION = 130000;
const MINIMUM_SERVER_NAME = "13";

/** A value bound to a parameter. */
export type CentralValue = string | number | boolean | null | readonly CentralValue[];

/** A row the server returned: column name to value (bigint and numeric arrive as strings). */
export type CentralRow = Record<string, unknown>;

/** The part of Node's Writable that COPY FROM STDIN hands back. */
interface CopyStream {
  write(chunk: Uint8Array): boolean;
  end(callback: () => void): void;
  once(event: "error" | "drain", listener: (error: Error) => void): void;
}

/** A statement postgres.js has not sent yet. */
interface PendingQuery extends Promise<CentralRow[]> {
  writable(): Promise<CopyStream>;
  /** How postgres.js fails the statement (its own property, replaceable). */
  reject: (error: Error) => void;
}

/** The part of postgres.js this module uses. */
interface Client {
  unsafe(query: string, params?: unknown[]): PendingQuery;
  reserve(): Promise<Client & { release(): void }>;
  end(options?: { timeout?: number }): Promise<void>;
}

/** The central server, one reserved connection, used by one fleet command. */
export class Central {
  readonly target: CentralTarget;
  readonly serverVersion: string;
  readonly #client: Client;
  readonly #connection: Client & { release(): void };
  #markClosed = () => {};
  readonly #lost: LostConnection;

  private constructor(
    target: CentralTarget,
    client: Client,
    connection: Client & { release(): void },
    serverVersion: string,
    lost: LostConnection,
  ) {
    this.target = target;
    this.#client = client;
    this.#connection = connection;
    this.serverVersion = serverVersion;
    this.#lost = lost;
  }

  /** Connects (one connection, kept for the whole command) and checks the server's version. */
  static async connect(target: CentralTarget): Promise<Central> {
    const { default: postgres } = await import("postgres");
    let closed = false;
    const lost = new LostConnection();
    const client = postgres({
      host: target.host,
      port: target.port,
      database: target.database,
      username: target.user,
      password: target.password,
      ssl: await sslOption(target),
      // postgres.js 3.4.9 takes a connected socket from `socket` (its types omit the option).
      ...({ socket: () => connectSocket(target) } as object),
      max: 1,
      // Held for the whole command: session locks (one sync per host) live on it.
      idle_timeout: 0,
      max_lifetime: 0,
      connect_timeout: target.connectTimeoutS,
      fetch_types: false,
      onnotice: () => {},
      onclose: () => {
        if (closed) return;
        lost.lose(Object.assign(new Error("connection closed"), { code: "CONNECTION_CLOSED" }));
      },
      connection: { application_name: "dockswap-db", search_path: target.schema },
    }) as unknown as Client;
    try {
      // A query first: postgres.js's reserve() waits forever on a pool with no open connection.
      const [row] = await client.unsafe(
        "SELECT current_setting('server_version_num')::int AS num, " +
          "current_setting('server_version') AS version",
      );
      const connection = await client.reserve();
      const central = new Central(target, client, connection, String(row.version), lost);
      central.#markClosed = () => closed = true;
      refuseOldServer(Number(row.num), String(row.version), target);
      return central;
    } catch (error) {
      await client.end({ timeout: 1 }).catch(() => {});
      throw centralError(error, target, { connecting: true });
    }
  }

  /** Runs one statement (`$1`, `$2`... bound to `params`) and returns its rows. */
  async query(sql: string, params: readonly CentralValue[] = []): Promise<CentralRow[]> {
    try {
      return await this.#lost.guard(() => this.#connection.unsafe(sql, params.map(arrayLiteral)));
    } catch (error) {
      throw centralError(error, this.target);
    }
  }

  /**
   * Runs `COPY ... FROM STDIN` with `chunks` (whole COPY rows each) as its input, a chunk at a
   * time as the socket takes them; resolves once the server has taken every row, rejects with
   * the server's error when it refuses one.
   */
  async copyIn(sql: string, chunks: Iterable<Uint8Array>): Promise<void> {
    try {
      await this.#lost.guard(async () => {
        const query = this.#connection.unsafe(sql);
        // postgres.js resolves a COPY's query with its stream, and reports an error the server
        // sends after the last row (a key or rule a row breaks) only to the query's reject:
        // the stream would never end.
        const refused = new Promise<never>((_, reject) => {
          const settle = query.reject;
          query.reject = (error: Error) => {
            reject(error);
            settle(error);
          };
        });
        refused.catch(() => {});
        const stream = await Promise.race([query.writable(), refused]);
        let failure: Error | undefined;
        const failed = new Promise<never>((_, reject) => {
          const fail = (error: Error) => reject(failure ??= error);
          stream.once("error", fail);
          refused.catch(fail);
        });
        failed.catch(() => {});
        for (const chunk of chunks) {
          // Nothing more is written to a stream the server or the socket has failed.
          if (failure) throw failure;
          if (!stream.write(chunk)) {
            await Promise.race([
              new Promise<void>((resolve) => stream.once("drain", () => resolve())),
              failed,
            ]);
          }
        }
        await Promise.race([new Promise<void>((resolve) => stream.end(() => resolve())), failed]);
      });
    } catch (error) {
      throw centralError(error, this.target);
    }
  }

  /** Runs several statements without parameters (a migration). */
  async script(sql: string): Promise<void> {
    try {
      await this.#lost.guard(() => this.#connection.unsafe(sql));
    } catch (error) {
      throw centralError(error, this.target);
    }
  }

  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.query("BEGIN");
    try {
      const result = await work();
      await this.query("COMMIT");
      return result;
    } catch (error) {
      // The connection may be gone; the server rolls back on its own then.
      await this.#lost.guard(() => this.#connection.unsafe("ROLLBACK")).catch(() => {});
      throw error;
    }
  }

  /** Closes the connection (the server releases its session locks). */
  async close(): Promise<void> {
    this.#markClosed();
    this.#connection.release();
    // A lost connection has nothing left to finish: postgres.js would wait out the whole grace.
    const graceS = this.#lost.isLost ? 0 : 5;
    await this.#client.end({ timeout: graceS }).catch(() => {});
  }
}

/**
 * Refuses a server older than MINIMUM_SERVER_VERSION, from what it reports: `server_version_num`
 * (e.g. 120022 for 12.22) and `server_version`.
 */
export function refuseOldServer(versionNum: number, version: string, target: CentralTarget): void {
  if (versionNum >= MINIMUM_SERVER_VERSION) return;
  throw new DockswapError(
    "server_unsupported",
    `PostgreSQL ${version} at ${target.shown} is too old: dockswap-db needs ` +
      `PostgreSQL ${MINIMUM_SERVER_NAME} or newer`,
    { server_version: version },
  );
}

/**
 * Fails pending and later queries once the connection is gone: postgres.js leaves queries on a
 * reserved connection waiting forever when the server ends it. Nothing is held per finished query.
 */
class LostConnection {
  #error?: Error;
  readonly #waiting = new Set<(error: Error) => void>();

  get isLost(): boolean {
    return this.#error !== undefined;
  }

  lose(error: Error): void {
    this.#error ??= error;
    for (const reject of this.#waiting) reject(error);
    this.#waiting.clear();
  }

  /**
   * Runs `start` unless the connection is gone: a query sent on a closed connection crashes
   * postgres.js (a write scheduled on its socket after the socket is dropped).
   */
  guard<T>(start: () => Promise<T>): Promise<T> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.add(reject);
      start().then((value) => {
        this.#waiting.delete(reject);
        resolve(value);
      }, (error) => {
        this.#waiting.delete(reject);
        reject(error);
      });
    });
  }
}

/**
 * An array parameter as PostgreSQL's array literal text (`{"a",NULL}`), which the statement casts
 * (`$2::bigint[]`); postgres.js sends arrays of untyped parameters as bare comma lists.
 */
function arrayLiteral(value: CentralValue): unknown {
  if (!Array.isArray(value)) return value;
  const element = (item: CentralValue): string =>
    item === null ? "NULL" : `"${String(item).replace(/[\\"]/g, "\\$&")}"`;
  return `{${value.map(element).join(",")}}`;
}

/**
 * The connection's socket, with Nagle's algorithm off: without, the small message that follows a
 * COPY's rows waits for the server's delayed acknowledgement. postgres.js makes its own without
 * the option, so the socket is made here, connected, carrying the `host` and `port` postgres.js
 * sets on its own sockets: it sends `host` as the TLS server name. A host that is a directory is
 * the server's Unix socket, as in libpq and postgres.js.
 */
async function connectSocket(target: CentralTarget): Promise<unknown> {
  const { connect } = await import("node:net");
  return await new Promise((resolve, reject) => {
    const socket = target.host.startsWith("/")
      ? connect({ path: `${target.host}/.s.PGSQL.${target.port}` })
      : connect({ host: target.host, port: target.port }).setNoDelay(true);
    Object.assign(socket, { host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error("connect timeout"), { code: "CONNECT_TIMEOUT" }));
    }, target.connectTimeoutS * 1000);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** postgres.js's `ssl` option for libpq's sslmode (postgres.js alone knows fewer modes). */
async function sslOption(target: CentralTarget): Promise<boolean | object | "prefer" | "require"> {
  const ca = target.sslRootCert === undefined ? undefined : await readCa(target.sslRootCert);
  switch (target.sslMode) {
    case "disable":
      return false;
    case "allow":
    case "prefer":
      return "prefer";
    case "require":
      // libpq: with a root certificate, require verifies the chain as verify-ca does.
      return ca ? { ca, checkServerIdentity: () => undefined } : "require";
    case "verify-ca":
      return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    default: {
      // The name checked explicitly: for an IP address postgres.js sends no server name, and
      // Deno's TLS then checks the certificate against "localhost".
      const { checkServerIdentity } = await import("node:tls");
      return {
        ca,
        rejectUnauthorized: true,
        checkServerIdentity: (_name: string, certificate: PeerCertificate) =>
          checkServerIdentity(target.host, certificate),
      };
    }
  }
}

async function readCa(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new DockswapError(
      "io_error",
      `Cannot read sslrootcert "${path}": ${(error as Error).message}`,
    );
  }
}

/** SQLSTATE classes and codes that mean "the server said no" to who we are or what we may do. */
const REFUSALS: Record<string, string> = {
  "28P01": "wrong password for the user in the URL",
  "28000": "the server refuses this user (pg_hba.conf)",
  "3D000": "no such database",
  "42501": "permission denied",
  "3F000": "no such schema",
  "53300": "too many connections",
  "57P03": "the server is starting up or shutting down",
};

/** Network codes of a connection that failed or broke. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
]);

/** The DockswapError for what the client or server threw. */
export function centralError(
  error: unknown,
  target: CentralTarget,
  { connecting = false } = {},
): unknown {
  if (error instanceof DockswapError) return error;
  if (!(error instanceof Error)) return error;
  const { code, severity, detail, constraint_name: constraint } = error as Error & {
    code?: string;
    severity?: string;
    detail?: string;
    constraint_name?: string;
  };
  const where = `PostgreSQL at ${target.shown}`;
  const tlsRequired = !["disable", "allow", "prefer"].includes(target.sslMode);
  if (connecting && tlsRequired && (code === "ECONNRESET" || code === "CONNECTION_CLOSED")) {
    // The server answered the TLS request with "no" and the client went on regardless.
    return new DockswapError(
      "server_refused",
      `TLS with PostgreSQL at ${target.shown} failed: the server closed the connection at the ` +
        `TLS handshake; it probably does not accept TLS (sslmode=${target.sslMode} requires it)`,
      { reason: "tls" },
    );
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new DockswapError(
      "server_unreachable",
      `Cannot reach ${where}: ${plainNetworkReason(code)}. Nothing was changed locally; ` +
        "run sync again once the server is reachable (it resumes where it stopped)",
      { reason: code },
    );
  }
  if (code === "57P01" || code === "57P02") {
    return new DockswapError(
      "server_unreachable",
      `Lost the connection to ${where}: the server ended it (${error.message}). Rows sent ` +
        "before are kept; run sync again to send the rest",
      { reason: code },
    );
  }
  if (severity !== undefined && code !== undefined) {
    const known = REFUSALS[code];
    const facts = [error.message, detail, constraint ? `constraint ${constraint}` : undefined]
      .filter((part) => part).join("; ");
    return new DockswapError(
      "server_refused",
      `${where} refused: ${known ? `${known} (${facts})` : facts} [SQLSTATE ${code}]`,
      { sqlstate: code },
    );
  }
  if (/ssl|tls|certificate/i.test(error.message) || error.name === "InvalidData") {
    return new DockswapError(
      "server_refused",
      `TLS with ${where} failed: ${error.message} (sslmode=${target.sslMode}; does the server ` +
        "accept TLS, and is its certificate signed by the CA in sslrootcert?)",
      { reason: "tls" },
    );
  }
  return error;
}

function plainNetworkReason(code: string): string {
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running and listening on that host and port?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve";
    case "CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "the connection timed out";
    default:
      return `the connection broke (${code})`;
  }
}
