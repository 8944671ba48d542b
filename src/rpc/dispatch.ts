/**
 * Dispatch: turns the lines read together into responses. All their requests run in one
 * transaction (group commit), each in its own savepoint, so that one failing request changes
 * nothing and leaves its neighbours' writes in place; responses are produced only once that
 * transaction has committed. Knows nothing of streams.
 */
import { DockswapError, ERROR_CODES, type ErrorCode } from "../errors.ts";
import { execute, type Operation, type OperationContext, parseParams } from "../operations/mod.ts";
import {
  type Entry,
  errorResponse,
  readMessage,
  type Request,
  type RequestId,
  resultResponse,
  RPC_ERRORS,
  type RpcError,
} from "./envelope.ts";
import type { Frame } from "./framing.ts";
import type { MethodTable } from "./methods.ts";

/** What the dispatcher needs: the database and clock, the methods, and a place for notes. */
export interface DispatcherOptions {
  context: OperationContext;
  methods: MethodTable;
  /** Told when a notification fails (it has no response to carry the error). */
  onNotificationError?: (method: string, error: RpcError) => void;
}

/** A request to an operation, run inside the group's transaction. */
interface Call {
  request: Request;
  operation: Operation;
  outcome?: { ok: true; value: unknown } | { ok: false; error: unknown };
}

/** One slot of a message: an answer known at once, or a call whose outcome comes later. */
type Slot =
  | { kind: "answer"; request?: Request; id: RequestId | null; value?: unknown; error?: RpcError }
  | { kind: "call"; call: Call };

/** One line's worth of slots: a single message, or a batch answered by one array. */
interface Unit {
  batch: boolean;
  slots: Slot[];
}

// Errors after which SQLite may have ended the transaction on its own: the group is retried
// request by request instead of trusting its remaining savepoints.
const TRANSACTION_BREAKING: ReadonlySet<ErrorCode> = new Set([
  "database_busy",
  "database_readonly",
  "database_corrupt",
  "database_error",
  "io_error",
]);

class GroupAborted extends Error {
  constructor(readonly reason: unknown) {
    super("group aborted");
  }
}

/** Answers groups of frames; create one per connection to the database. */
export class Dispatcher {
  readonly #context: OperationContext;
  readonly #methods: MethodTable;
  readonly #onNotificationError?: (method: string, error: RpcError) => void;

  constructor(options: DispatcherOptions) {
    this.#context = options.context;
    this.#methods = options.methods;
    this.#onNotificationError = options.onNotificationError;
  }

  /**
   * Runs every request of `frames` (lines read together) in one transaction and returns the
   * response lines, in input order, once it has committed. Never throws.
   */
  handleGroup(frames: readonly Frame[]): string[] {
    const units = frames.map((frame) => this.#unit(frame));
    const calls: Call[] = [];
    for (const unit of units) {
      for (const slot of unit.slots) if (slot.kind === "call") calls.push(slot.call);
    }
    if (calls.length > 0) this.#runCalls(calls);
    const lines: string[] = [];
    for (const unit of units) {
      const answers = unit.slots.map((slot) => this.#answer(slot)).filter((a) => a !== undefined);
      if (!unit.batch) lines.push(...answers);
      else if (answers.length > 0) lines.push(`[${answers.join(",")}]`);
    }
    return lines;
  }

  #unit(frame: Frame): Unit {
    if (frame.kind === "too_long") {
      return this.#unreadable({
        code: RPC_ERRORS.parse_error,
        message: `Parse error: a line of ${frame.bytes} bytes is longer than the ` +
          `${frame.limit}-byte limit; it was discarded`,
        data: { reason: "line_too_long", max_line_bytes: frame.limit },
      });
    }
    if (frame.kind === "invalid_utf8") {
      return this.#unreadable({
        code: RPC_ERRORS.parse_error,
        message: "Parse error: the line is not valid UTF-8",
        data: { reason: "invalid_utf8" },
      });
    }
    const message = readMessage(frame.text);
    if (message.kind === "unreadable") return this.#unreadable(message.error);
    if (message.kind === "single") return { batch: false, slots: [this.#slot(message.entry)] };
    return { batch: true, slots: message.entries.map((entry) => this.#slot(entry)) };
  }

  #unreadable(error: RpcError): Unit {
    return { batch: false, slots: [{ kind: "answer", id: null, error }] };
  }

  #slot(entry: Entry): Slot {
    if (entry.kind === "invalid") return { kind: "answer", id: entry.id, error: entry.error };
    const request = entry.request;
    const id = request.id ?? null;
    const method = this.#methods.get(request.method);
    if (!method) {
      return this.#early(request, {
        code: RPC_ERRORS.method_not_found,
        message: `Method not found: ${JSON.stringify(request.method)}; ` +
          `call rpc.discover for the list of methods`,
      });
    }
    if (Array.isArray(request.params)) {
      return this.#early(request, {
        code: RPC_ERRORS.invalid_params,
        message: `Invalid params for ${request.method}: params must be an object of named ` +
          `parameters; positional (array) params are not supported`,
        data: { code: "invalid_argument" },
      });
    }
    if (method.kind === "operation") {
      return { kind: "call", call: { request, operation: method.operation } };
    }
    try {
      const params = parseParams(method.builtin as unknown as Operation, request.params);
      return { kind: "answer", request, id, value: method.builtin.run(params) };
    } catch (error) {
      return this.#early(request, toRpcError(error));
    }
  }

  #early(request: Request, error: RpcError): Slot {
    return { kind: "answer", request, id: request.id ?? null, error };
  }

  #runCalls(calls: Call[]): void {
    const context = this.#context;
    const runAll = () => {
      for (const call of calls) {
        call.outcome = attempt(() => execute(context, call.operation, call.request.params));
        if (!call.outcome.ok && breaksTransaction(call.outcome.error)) {
          throw new GroupAborted(call.outcome.error);
        }
      }
    };
    const writes = calls.some((call) => call.operation.access === "write");
    try {
      if (writes) context.db.write(runAll);
      else context.db.read(runAll);
      return;
    } catch (error) {
      const started = calls.some((call) => call.outcome !== undefined);
      if (!started) {
        // BEGIN itself failed (the lock stayed taken past the busy timeout): nothing ran.
        for (const call of calls) call.outcome = { ok: false, error };
        return;
      }
    }
    // The group's transaction failed as a whole (at COMMIT, or SQLite ended it): nothing of it
    // was kept, so each request runs again alone, in its own transaction, and reports its own fate.
    for (const call of calls) {
      call.outcome = attempt(() => execute(context, call.operation, call.request.params));
    }
  }

  #answer(slot: Slot): string | undefined {
    let request: Request | undefined;
    let id: RequestId | null;
    let value: unknown;
    let error: RpcError | undefined;
    if (slot.kind === "answer") {
      request = slot.request;
      id = slot.id;
      value = slot.value;
      error = slot.error;
    } else {
      request = slot.call.request;
      id = request.id ?? null;
      const outcome = slot.call.outcome ?? { ok: false, error: new Error("request was not run") };
      if (outcome.ok) value = outcome.value;
      else error = toRpcError(outcome.error);
    }
    // A notification (a valid request without id) is never answered, even when it failed.
    if (request && request.id === undefined) {
      if (error) this.#onNotificationError?.(request.method, error);
      return undefined;
    }
    if (error || id === null) return errorResponse(id, error ?? internal("missing id"));
    try {
      return resultResponse(id, value);
    } catch (failure) {
      return errorResponse(id, toRpcError(failure));
    }
  }
}

function attempt(work: () => unknown): NonNullable<Call["outcome"]> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    return { ok: false, error };
  }
}

function breaksTransaction(error: unknown): boolean {
  return error instanceof DockswapError && TRANSACTION_BREAKING.has(error.code);
}

function internal(message: string): RpcError {
  return {
    code: RPC_ERRORS.internal_error,
    message: `Internal error: ${message}; this is a bug, please report it with the request`,
    data: { code: "internal" },
  };
}

/** The JSON-RPC error for a thrown error: domain codes keep their stable string in data.code. */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof DockswapError) {
    return {
      code: ERROR_CODES[error.code].rpc,
      message: error.message,
      data: { ...error.details, code: error.code },
    };
  }
  return internal(error instanceof Error ? error.message : String(error));
}
