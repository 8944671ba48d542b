/**
 * Dispatch: turns the lines read together into responses. All their requests run in one
 * transaction (group commit); responses are produced only once it has committed. When one of
 * them fails, the group is rolled back and replayed with each request in its own savepoint, so
 * that the failing request changes nothing and leaves its neighbours' writes in place. A line
 * calling a method that runs alone (db.export, db.backup: they await a file) ends the commit
 * before it and runs after it, outside any transaction. Knows nothing of streams.
 */
import { DockswapError, ERROR_CODES, type ErrorCode } from "../errors.ts";
import { type Hint, namedText } from "../words.ts";
import {
  execute,
  executeAlone,
  executeValid,
  type FileOperation,
  type Operation,
  type OperationContext,
  parseParams,
  rawCallWrites,
  writes,
} from "../operations/mod.ts";
import {
  type Entry,
  errorResponse,
  protocolError,
  readMessage,
  type Request,
  type RequestId,
  resultResponse,
  type RpcError,
} from "./envelope.ts";
import type { Frame } from "./framing.ts";
import type { BuiltinMethod, MethodTable } from "./methods.ts";

/** What the dispatcher needs: the database and clock, the methods, and a place for notes. */
export interface DispatcherOptions {
  context: OperationContext;
  methods: MethodTable;
  /** Told when a notification fails (it has no response to carry the error). */
  onNotificationError?: (method: string, error: RpcError) => void;
  /** Response bytes one commit may gather (default MAX_COMMIT_RESPONSE_BYTES). */
  maxCommitResponseBytes?: number;
}

/** What running a request gave: its result as JSON text, or the error it threw. */
type Outcome = { ok: true; json: string } | { ok: false; error: unknown };

/**
 * A request to a method: an operation (run inside the group's transaction), a file operation
 * (run alone) or a builtin.
 */
interface Call {
  request: Request;
  operation?: Operation;
  file?: FileOperation;
  builtin?: BuiltinMethod;
  /** The params as the operation's quick check gave them (parseParams' result), if it did. */
  valid?: unknown;
  outcome?: Outcome;
}

/** One slot of a message: an answer known at once, or a call whose outcome comes later. */
type Slot =
  | { kind: "answer"; request?: Request; id: RequestId | null; outcome: Outcome }
  | { kind: "call"; call: Call };

/** One line's worth of slots: a single message, or a batch answered by one array. */
interface Unit {
  batch: boolean;
  slots: Slot[];
}

/**
 * Most response bytes one commit gathers: past it, the rest of the lines read together go to
 * the next commit, so that memory stays bounded even when every request returns a large result.
 */
export const MAX_COMMIT_RESPONSE_BYTES = 16 * 1024 * 1024;

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

/** A request failed while the group ran without savepoints: its writes cannot be undone alone. */
class ReplayWithSavepoints extends Error {
  constructor() {
    super("replay the group with savepoints");
  }
}

/** Answers groups of frames; create one per connection to the database. */
export class Dispatcher {
  readonly #context: OperationContext;
  readonly #methods: MethodTable;
  readonly #onNotificationError?: (method: string, error: RpcError) => void;
  readonly #maxCommitBytes: number;

  constructor(options: DispatcherOptions) {
    this.#context = options.context;
    this.#methods = options.methods;
    this.#onNotificationError = options.onNotificationError;
    this.#maxCommitBytes = options.maxCommitResponseBytes ?? MAX_COMMIT_RESPONSE_BYTES;
  }

  /**
   * Runs the requests of `frames` (lines read together) in one transaction (replayed with a
   * savepoint per request when one fails), and yields the response lines, in input order, once
   * it has committed. Only when their responses outgrow the commit budget do the lines take more
   * than one commit (each yield is one commit; a batch never spans two). A line calling a method
   * that runs alone is a step of its own, yielded as a promise of its lines. Stopping the
   * iteration early leaves the remaining lines unrun. Never throws (nor rejects).
   */
  *handleGroup(frames: readonly Frame[]): Generator<string[] | Promise<string[]>> {
    const units = frames.map((frame) => this.#unit(frame));
    const lone = units.length === 1 ? this.#answerLone(units[0]) : undefined;
    if (lone !== undefined) {
      yield lone;
      return;
    }
    let start = 0;
    while (start < units.length) {
      if (callsAlone(units[start])) {
        yield this.#runAlone(units[start]);
        start++;
        continue;
      }
      const end = this.#commit(units, start);
      yield this.#lines(units.slice(start, end));
      start = end;
    }
  }

  /**
   * All the lines' responses at once, for callers that need no streaming; not for lines that
   * call a method that runs alone (serve them).
   */
  answerAll(frames: readonly Frame[]): string[] {
    return [...this.handleGroup(frames)].flatMap((lines) => {
      if (!Array.isArray(lines)) throw new Error("answerAll cannot wait for db.export/db.backup");
      return lines;
    });
  }

  /**
   * The common case of a client that waits for each answer: one line read alone, holding one call
   * of an operation whose params its quick check accepts. The call runs in its own transaction, as
   * #commit runs a group of one, without the group's machinery. Undefined when this does not
   * apply, or when the call failed: its transaction was rolled back, and #commit runs it again as
   * it runs any group, so that every failure is answered as before. A lock not had within the
   * busy timeout is answered at once, as #commit answers it (waiting again would double the wait).
   */
  #answerLone(unit: Unit): string[] | undefined {
    const slot = unit.slots[0];
    if (unit.batch || slot.kind !== "call" || slot.call.operation === undefined) return undefined;
    const call = slot.call;
    call.valid ??= call.operation!.quickParams?.(call.request.params);
    if (call.valid === undefined) return undefined;
    let result: unknown;
    try {
      result = executeValid(this.#context, call.operation!, call.valid);
    } catch (error) {
      if (!(error instanceof DockswapError && error.code === "database_busy")) return undefined;
      call.outcome = { ok: false, error };
      return this.#lines([unit]);
    }
    call.outcome = attempt(() => result);
    return this.#lines([unit]);
  }

  #lines(units: readonly Unit[]): string[] {
    const lines: string[] = [];
    for (const unit of units) {
      const answers = unit.slots.map((slot) => this.#answer(slot)).filter((a) => a !== undefined);
      if (!unit.batch) lines.push(...answers);
      else if (answers.length > 0) lines.push(`[${answers.join(",")}]`);
    }
    return lines;
  }

  /**
   * A line with a call that runs alone: each of its calls in order, each in its own transaction
   * (or none), the file operations awaited.
   */
  async #runAlone(unit: Unit): Promise<string[]> {
    for (const slot of unit.slots) {
      if (slot.kind !== "call") continue;
      const { request, file } = slot.call;
      if (file) {
        try {
          const result = await executeAlone(this.#context, file, request.params);
          slot.call.outcome = { ok: true, json: JSON.stringify(result) };
        } catch (error) {
          slot.call.outcome = { ok: false, error };
        }
      } else slot.call.outcome = this.#run(slot.call);
    }
    return this.#lines([unit]);
  }

  #unit(frame: Frame): Unit {
    if (frame.kind === "too_long") {
      return this.#unreadable(protocolError(
        "parse_error",
        `Parse error: a line of ${frame.bytes} bytes is longer than the ` +
          `${frame.limit}-byte limit; it was discarded`,
        { reason: "line_too_long", max_line_bytes: frame.limit },
      ));
    }
    if (frame.kind === "invalid_utf8") {
      return this.#unreadable(
        protocolError("parse_error", "Parse error: the line is not valid UTF-8", {
          reason: "invalid_utf8",
        }),
      );
    }
    const message = readMessage(frame.text);
    if (message.kind === "unreadable") return this.#unreadable(message.error);
    if (message.kind === "single") return { batch: false, slots: [this.#slot(message.entry)] };
    return { batch: true, slots: message.entries.map((entry) => this.#slot(entry)) };
  }

  #unreadable(error: RpcError): Unit {
    return { batch: false, slots: [{ kind: "answer", id: null, outcome: { ok: false, error } }] };
  }

  #slot(entry: Entry): Slot {
    if (entry.kind === "invalid") {
      return { kind: "answer", id: entry.id, outcome: { ok: false, error: entry.error } };
    }
    const request = entry.request;
    const method = this.#methods.get(request.method);
    if (!method) {
      return this.#early(
        request,
        protocolError(
          "method_not_found",
          `Method not found: ${JSON.stringify(request.method)}; ` +
            `call rpc.discover for the list of methods`,
        ),
      );
    }
    if (Array.isArray(request.params)) {
      return this.#early(
        request,
        toRpcError(
          new DockswapError(
            "invalid_argument",
            `Invalid params for ${request.method}: params must be an object of named ` +
              `parameters; positional (array) params are not supported`,
          ),
        ),
      );
    }
    if (method.kind === "operation") {
      return { kind: "call", call: { request, operation: method.operation } };
    }
    if (method.kind === "file") return { kind: "call", call: { request, file: method.operation } };
    return { kind: "call", call: { request, builtin: method.builtin } };
  }

  #early(request: Request, error: RpcError): Slot {
    return { kind: "answer", request, id: request.id ?? null, outcome: { ok: false, error } };
  }

  /**
   * Runs the calls of units[start..] in one transaction until their responses pass the commit
   * budget or a unit calls a method that runs alone; returns the index of the first unit left
   * for the next step.
   */
  #commit(units: readonly Unit[], start: number): number {
    const context = this.#context;
    const alone = units.findIndex((unit, i) => i > start && callsAlone(unit));
    const stop = alone < 0 ? units.length : alone;
    const callsOf = (from: number, to: number) =>
      units.slice(from, to).flatMap((unit) =>
        unit.slots.flatMap((slot) => slot.kind === "call" ? [slot.call] : [])
      );
    const pending = callsOf(start, stop).filter((call) => call.operation);
    // Params a quick check accepts are kept, so that a call (and its replay) checks them once.
    for (const call of pending) call.valid ??= call.operation!.quickParams?.(call.request.params);
    const writing = pending.some((call) =>
      call.valid !== undefined
        ? writes(call.operation!, call.valid)
        : rawCallWrites(call.operation!, call.request.params)
    );
    let end = start;
    let current = start;
    const runAll = (savepoints: boolean) => {
      let bytes = 0;
      for (current = start; current < stop; current++) {
        const calls = units[current].slots.flatMap((slot) =>
          slot.kind === "call" ? [slot.call] : []
        );
        // Lines without calls always join; a line with calls waits if the budget is spent.
        if (calls.length > 0 && current > start && bytes >= this.#maxCommitBytes) break;
        for (const call of calls) {
          call.outcome = this.#run(call);
          if (!call.outcome.ok && breaksTransaction(call.outcome.error)) {
            throw new GroupAborted(call.outcome.error);
          }
          if (!call.outcome.ok && call.operation && writing && !savepoints) {
            throw new ReplayWithSavepoints();
          }
          bytes += call.outcome.ok ? call.outcome.json.length : 256;
        }
        end = current + 1;
      }
    };
    const runGroup = (savepoints: boolean) => {
      const work = () =>
        savepoints ? runAll(true) : context.db.withoutSavepoints(() => runAll(false));
      if (pending.length === 0) runAll(true);
      else if (writing) context.db.write(work);
      else context.db.read(work);
    };
    try {
      try {
        runGroup(false);
      } catch (error) {
        if (!(error instanceof ReplayWithSavepoints)) throw error;
        // Rolled back: nothing of the first run stays, nor its outcomes.
        for (const call of callsOf(start, stop)) call.outcome = undefined;
        end = start;
        runGroup(true);
      }
      return end;
    } catch (error) {
      if (!pending.some((call) => call.outcome !== undefined)) {
        // BEGIN itself failed (the lock stayed taken past the busy timeout): nothing ran.
        for (const call of pending) call.outcome = { ok: false, error };
        end = stop;
        for (const call of callsOf(start, end)) call.outcome ??= this.#run(call);
        return end;
      }
      if (error instanceof GroupAborted) end = current + 1;
    }
    // The transaction failed as a whole (at COMMIT, or SQLite ended it): nothing of it was
    // kept, so each of its requests runs again alone, in its own transaction, and reports its
    // own fate.
    for (const call of callsOf(start, end)) call.outcome = this.#run(call);
    return end;
  }

  /** Runs one call: an operation in its own transaction (a savepoint when nested), or a builtin. */
  #run(call: Call): Outcome {
    const { request, operation, builtin, valid } = call;
    if (operation && valid !== undefined) {
      return attempt(() => executeValid(this.#context, operation, valid));
    }
    if (operation) return attempt(() => execute(this.#context, operation, request.params));
    return attempt(() =>
      builtin!.run(parseParams(builtin as unknown as Operation, request.params))
    );
  }

  #answer(slot: Slot): string | undefined {
    const request = slot.kind === "answer" ? slot.request : slot.call.request;
    const id = slot.kind === "answer" ? slot.id : slot.call.request.id ?? null;
    const outcome = slot.kind === "answer"
      ? slot.outcome
      : slot.call.outcome ?? { ok: false, error: new Error("request was not run") };
    const error = outcome.ok ? undefined : toRpcErrorOrKeep(outcome.error);
    // A notification (a valid request without id) is never answered, even when it failed.
    if (request && request.id === undefined) {
      if (error) this.#onNotificationError?.(request.method, error);
      return undefined;
    }
    if (outcome.ok && id !== null) return resultResponse(id, outcome.json);
    return errorResponse(id, error ?? internal("a result without an id"));
  }
}

/** Whether a line calls a method that runs alone. */
function callsAlone(unit: Unit): boolean {
  return unit.slots.some((slot) => slot.kind === "call" && slot.call.file !== undefined);
}

/** Runs `work` and serializes its result; a failure of either is the outcome's error. */
function attempt(work: () => unknown): Outcome {
  try {
    const json = JSON.stringify(work());
    // undefined has no JSON form; a method that returns nothing answers null.
    return { ok: true, json: json ?? "null" };
  } catch (error) {
    return { ok: false, error };
  }
}

/** An RpcError already built by the protocol layer stays as it is; anything thrown is mapped. */
function toRpcErrorOrKeep(error: unknown): RpcError {
  if (isRpcError(error)) return error;
  return toRpcError(error);
}

function isRpcError(value: unknown): value is RpcError {
  return typeof value === "object" && value !== null && !(value instanceof Error) &&
    typeof (value as RpcError).code === "number" && typeof (value as RpcError).message === "string";
}

function breaksTransaction(error: unknown): boolean {
  return error instanceof DockswapError && TRANSACTION_BREAKING.has(error.code);
}

/** A hint as a client acts on it: a parameter, a method with its params, an action on the file. */
function rpcHint(hint: Hint): Record<string, unknown> {
  switch (hint.kind) {
    case "param":
      return { param: hint.param };
    case "operation":
      return { method: hint.operation, params: hint.args };
    case "action":
      return { action: hint.action };
    case "owner_only":
      return { action: "make_owner_only", paths: hint.paths };
    case "mark_payloads_spaced":
      return { action: "mark_payloads_spaced", path: hint.database };
  }
}

function internal(message: string): RpcError {
  return {
    code: ERROR_CODES.internal.rpc,
    message: `Internal error: ${message}; this is a bug, please report it with the request`,
    data: { code: "internal" },
  };
}

/**
 * The JSON-RPC error for a thrown error: domain codes keep their stable string in data.code.
 * The message names parameters and methods by their RPC names; `data.hints` gives them as data.
 */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof DockswapError) {
    const hints = error.hints.map(rpcHint);
    return {
      code: ERROR_CODES[error.code].rpc,
      message: namedText(error.words),
      data: { ...error.details, ...(hints.length > 0 ? { hints } : {}), code: error.code },
    };
  }
  return internal(error instanceof Error ? error.message : String(error));
}
