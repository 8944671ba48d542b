/**
 * Which central PostgreSQL a fleet command talks to: the `postgres://` URL, checked and taken
 * apart into what the client library needs, and the schema that holds the fleet's tables.
 */
import { DockswapError } from "../errors.ts";

/** The schema name when none is given. */
export const DEFAULT_SCHEMA = "dockswap";

/** The `sslmode` values of libpq, all accepted; `prefer` when none is given, as in libpq. */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];
type SslMode = typeof SSL_MODES[number];

/** Seconds a connection attempt may take (`connect_timeout` in the URL overrides). */
const CONNECT_TIMEOUT_S = 10;

/** A parsed central server address. */
export interface CentralTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslMode: SslMode;
  /** A CA certificate file to verify the server with (`sslrootcert`). */
  sslRootCert?: string;
  connectTimeoutS: number;
  schema: string;
  /** The URL with its password masked, for messages. */
  shown: string;
}

const SCHEMA_RULE = "1-63 lower-case letters, digits or _, starting with a letter or _ " +
  "(not pg_)";

/** Checks a schema name: a plain lower-case identifier, so it never needs quoting. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema) || schema.startsWith("pg_")) {
    throw new DockswapError(
      "invalid_argument",
      `Invalid schema name ${JSON.stringify(schema)}: must be ${SCHEMA_RULE}`,
      { parameter: "schema" },
    );
  }
  return schema;
}

/** Parses `postgres://user:password@host:port/database?sslmode=...` (or `postgresql://`). */
export function parseCentralTarget(text: string, schema: string): CentralTarget {
  const refuse = (why: string): never => {
    throw new DockswapError(
      "invalid_argument",
      `Invalid PostgreSQL URL ${JSON.stringify(maskPassword(text))}: ${why}. Expected ` +
        "postgres://USER:PASSWORD@HOST[:PORT]/DATABASE[?sslmode=require]",
      { parameter: "url" },
    );
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse("not a URL");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    refuse(`the scheme is ${url.protocol.slice(0, -1)}, not postgres`);
  }
  if (url.hostname === "") refuse("it names no host");
  if (url.username === "") refuse("it names no user (USER@HOST)");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) refuse("it names no database (/DATABASE)");
  const params = new Map(url.searchParams);
  const unknown = [...params.keys()].filter((key) =>
    !["sslmode", "sslrootcert", "connect_timeout"].includes(key)
  );
  if (unknown.length > 0) {
    refuse(
      `unknown parameter ${unknown.join(", ")} (accepted: sslmode, sslrootcert, connect_timeout)`,
    );
  }
  const sslMode = params.get("sslmode") ?? "prefer";
  if (!SSL_MODES.includes(sslMode)) refuse(`sslmode must be one of ${SSL_MODES.join(", ")}`);
  const timeout = params.get("connect_timeout");
  if (timeout !== undefined && !/^[1-9][0-9]{0,4}$/.test(timeout)) {
    refuse("connect_timeout must be a number of seconds from 1 to 99999");
  }
  const port = url.port === "" ? 5432 : Number(url.port);
  return {
    // new URL keeps an IPv6 address in brackets; the socket wants it bare.
    host: decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, "$1"),
    port,
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    sslMode,
    sslRootCert: params.get("sslrootcert"),
    connectTimeoutS: timeout === undefined ? CONNECT_TIMEOUT_S : Number(timeout),
    schema: checkSchemaName(schema),
    shown: maskPassword(text),
  };
}

/** The URL with any password replaced by ***: messages and logs never show it. */
export function maskPassword(text: string): string {
  return text.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}
