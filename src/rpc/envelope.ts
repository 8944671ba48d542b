/**
 * JSON-RPC 2.0 envelopes: reading one line into requests, and writing responses. Knows the
 * protocol's shapes and codes, nothing of methods or streams.
 */

/**
 * The protocol's own errors, found before any method runs, by their stable name, which is also
 * their `data.code`. They have no exit status, so they are not in src/errors.ts, whose table
 * gives every error a method can raise (invalid params, -32602, as `invalid_argument`; internal
 * errors, -32603, as `internal`; domain errors in -32000..-32099). The names never overlap.
 */
export const PROTOCOL_ERRORS = {
  parse_error: -32700,
  invalid_request: -32600,
  method_not_found: -32601,
} as const;

/** The name of a protocol error. */
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

/** Deepest nesting of arrays and objects accepted in one message. */
export const MAX_NESTING = 128;

/** A request id as the client wrote it: its parsed value and its source text. */
export interface RequestId {
  value: string | number | null;
  /** The id exactly as written: 12345678901234567890 comes back unrounded, "\u00e9" unchanged. */
  source?: string;
}

/** A well-formed request; `id` is absent for a notification. */
export interface Request {
  method: string;
  params: unknown;
  id?: RequestId;
}

/** An error object of a response; `data.code` is the stable name clients branch on. */
export interface RpcError {
  code: number;
  message: string;
  data: { code: string; [key: string]: unknown };
}

/** A protocol error, its name in `data.code` beside the facts in `details`. */
export function protocolError(
  code: ProtocolErrorCode,
  message: string,
  details?: Record<string, unknown>,
): RpcError {
  return { code: PROTOCOL_ERRORS[code], message, data: { ...details, code } };
}

/** One element of a message: a request to run, or an invalid request to answer at once. */
export type Entry =
  | { kind: "request"; request: Request }
  | { kind: "invalid"; id: RequestId | null; error: RpcError };

/** A line read as JSON-RPC: one entry, a batch of entries, or an error for the whole line. */
export type Message =
  | { kind: "single"; entry: Entry }
  | { kind: "batch"; entries: Entry[] }
  | { kind: "unreadable"; error: RpcError };

const REQUEST_MEMBERS = new Set(["jsonrpc", "method", "params", "id"]);

/** Reads one line of text as a JSON-RPC message. Never throws. */
export function readMessage(text: string): Message {
  const depth = nestingDepth(text);
  if (depth > MAX_NESTING) {
    return {
      kind: "unreadable",
      error: protocolError(
        "parse_error",
        `Parse error: JSON nested deeper than ${MAX_NESTING} levels`,
        { reason: "too_deep", max_nesting: MAX_NESTING },
      ),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      kind: "unreadable",
      error: protocolError("parse_error", `Parse error: ${(error as Error).message}`, {
        reason: "invalid_json",
      }),
    };
  }
  // Needed only when an id is not written as JSON.stringify writes it (rare).
  let idSources: WeakMap<object, string> | undefined;
  if (!idWrittenAsSerialized(text, value)) {
    idSources = new WeakMap();
    value = parseKeepingIdSources(text, idSources);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return {
        kind: "single",
        entry: invalid(null, "an empty batch array holds no request; send at least one"),
      };
    }
    return { kind: "batch", entries: value.map((element) => readEntry(element, idSources)) };
  }
  return { kind: "single", entry: readEntry(value, idSources) };
}

/**
 * Whether the one id of a single message is written exactly as JSON.stringify writes its value
 * (the common case), so that its source text need not be kept: no escape anywhere in the line,
 * `"id"` only once (so it is the member's key), followed by the serialized value and a delimiter.
 */
function idWrittenAsSerialized(text: string, value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) return false;
  const id = (value as Record<string, unknown>).id;
  if (typeof id !== "number" && typeof id !== "string") return true;
  if (text.includes("\\")) return false;
  const key = text.indexOf('"id"');
  if (key === -1 || text.indexOf('"id"', key + 4) !== -1) return false;
  let at = skipSpace(text, key + 4);
  if (text[at] !== ":") return false;
  at = skipSpace(text, at + 1);
  const serialized = JSON.stringify(id);
  if (!text.startsWith(serialized, at)) return false;
  const next = text[at + serialized.length];
  return next === "," || next === "}" || next === " " || next === "\t" || next === "\n" ||
    next === "\r";
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && " \t\n\r".includes(text[at])) at++;
  return at;
}

/** JSON.parse keeping the source text of every `id` member, by the object that holds it. */
function parseKeepingIdSources(text: string, idSources: WeakMap<object, string>): unknown {
  return JSON.parse(
    text,
    function (this: object, key: string, parsed: unknown, context?: { source?: string }) {
      if (key === "id" && context?.source !== undefined) idSources.set(this, context.source);
      return parsed;
    },
  );
}

function readEntry(value: unknown, idSources?: WeakMap<object, string>): Entry {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalid(null, `a request must be a JSON object, not ${describe(value)}`);
  }
  const object = value as Record<string, unknown>;
  let id: RequestId | null = null;
  const hasId = Object.hasOwn(object, "id");
  if (hasId) {
    const raw = object.id;
    if (raw === null) {
      id = { value: raw };
    } else if (typeof raw === "string" || typeof raw === "number") {
      id = { value: raw, source: idSources?.get(object) };
    } else {
      return invalid(null, `"id" must be a string, a number or null, not ${describe(raw)}`);
    }
  }
  if (object.jsonrpc !== "2.0") {
    return invalid(id, `"jsonrpc" must be exactly "2.0"`);
  }
  if (typeof object.method !== "string") {
    return invalid(
      id,
      Object.hasOwn(object, "method")
        ? `"method" must be a string, not ${describe(object.method)}`
        : `"method" is missing`,
    );
  }
  if (Object.hasOwn(object, "params")) {
    const params = object.params;
    if (typeof params !== "object" || params === null) {
      return invalid(id, `"params" must be an object (or an array), not ${describe(params)}`);
    }
  }
  // Refused rather than ignored: a misspelt "parms" would otherwise run with no parameters.
  const unknown = Object.keys(object).filter((key) => !REQUEST_MEMBERS.has(key));
  if (unknown.length > 0) {
    return invalid(
      id,
      `unknown member${unknown.length > 1 ? "s" : ""} ${
        unknown.map((k) => JSON.stringify(k)).join(", ")
      }; a request has only jsonrpc, method, params and id`,
    );
  }
  const request: Request = { method: object.method, params: object.params };
  if (hasId && id) request.id = id;
  return { kind: "request", request };
}

function invalid(id: RequestId | null, why: string): Entry {
  return {
    kind: "invalid",
    id,
    error: protocolError("invalid_request", `Invalid request: ${why}`),
  };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}

/**
 * The deepest nesting of arrays and objects in JSON text, counted outside strings. Deep
 * input is refused before parsing so that nothing downstream (validation, serialization)
 * recurses over it.
 */
export function nestingDepth(text: string): number {
  // A text shorter than the limit cannot nest deeper than it.
  if (text.length <= MAX_NESTING) return 0;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** Serializes a success response around a result already serialized as JSON text. */
export function resultResponse(id: RequestId, resultJson: string): string {
  const idText = id.source ?? JSON.stringify(id.value);
  return `{"jsonrpc":"2.0","id":${idText},"result":${resultJson}}`;
}

/** Serializes an error response; `id` null when the request's id could not be read. */
export function errorResponse(id: RequestId | null, error: RpcError): string {
  return JSON.stringify({ jsonrpc: "2.0", id: id === null ? null : idJson(id), error });
}

// JSON.rawJSON (ES2025, in V8) is not yet in Deno's type library.
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function idJson(id: RequestId): unknown {
  // The number as the client wrote it, so that it matches byte for byte.
  return id.source !== undefined ? rawJson(id.source) : id.value;
}
