import * as z from "zod";
import type { Database } from "../db/database.ts";
import { DockswapError } from "../errors.ts";
import type { Words } from "../words.ts";
import { exactJson } from "./schemas.ts";
import { describeIssue, valueAt } from "./param_problem.ts";

/**
 * What an operation may use: the open database, the clock, and the caller's wording of hints in
 * a result (doctor's): the CLI's flags and commands, or by default parameter and method names.
 */
export interface OperationContext {
  db: Database;
  now: () => string;
  speak?: (words: Words) => string;
}

/**
 * A use case, written once and served by both the CLI and the RPC server: its method name,
 * its parameters and result as schemas (which also document it in `rpc.discover`), and one
 * function that runs inside one transaction opened by the caller.
 */
export interface Operation<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly summary: string;
  /** "write" runs under BEGIN IMMEDIATE; "read" in a snapshot that blocks no writer. */
  readonly access: "read" | "write";
  readonly params: P;
  readonly result: R;
  readonly run: (context: OperationContext, params: z.infer<P>) => z.infer<R>;
  /**
   * Whether this call may create a missing database file: only a write that can succeed on an
   * empty database (storing a config). Anything else, refused on an empty database anyway,
   * must not leave a new file behind. Default: no.
   */
  readonly mayCreate?: (params: z.infer<P>) => boolean;
  /**
   * Whether a call of a "write" operation only reads (a dry run): it then runs in a snapshot,
   * so it waits for no writer. Default: no.
   */
  readonly readsOnly?: (params: z.infer<P>) => boolean;
  /**
   * Checks that need no database (parsing a config), run before a missing file is created for
   * the call, so that a refused call leaves no file behind.
   */
  readonly precheck?: (params: z.infer<P>) => void;
  /**
   * A cheaper check of the common well-formed params (see quick_params.ts): the params exactly
   * as the schema's parse gives them, or undefined to leave them to the schema.
   */
  readonly quickParams?: (raw: unknown) => z.infer<P> | undefined;
}

/**
 * An operation that writes a file while it reads (export, backup). Its work awaits the file, so it
 * runs alone: never inside a transaction of its caller (a group commit would hold its lock for
 * the whole file), in a snapshot or copy of its own. Only reads: "write" is about the database.
 */
export interface FileOperation<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly summary: string;
  readonly access: "read";
  readonly params: P;
  readonly result: R;
  /**
   * Checks before the database is opened (the CLI opens it for this call only): the targets
   * against the database's path, a cursor file. Run again by `runAlone`'s own work is fine.
   */
  readonly precheck?: (params: z.infer<P>, databasePath: string) => Promise<void>;
  readonly runAlone: (context: OperationContext, params: z.infer<P>) => Promise<z.infer<R>>;
}

/** Declares an operation with its types inferred from its schemas. */
export function defineOperation<P extends z.ZodType, R extends z.ZodType>(
  operation: Operation<P, R>,
): Operation<P, R> {
  return operation;
}

/** Declares a file operation with its types inferred from its schemas. */
export function defineFileOperation<P extends z.ZodType, R extends z.ZodType>(
  operation: FileOperation<P, R>,
): FileOperation<P, R> {
  return operation;
}

/** True for an operation that runs alone (see FileOperation). */
export function runsAlone(operation: Operation | FileOperation): operation is FileOperation {
  return "runAlone" in operation;
}

/**
 * Validates raw params against an operation's schema; the error names each bad parameter, by
 * its RPC name unless `label` names it as the caller's surface does (the CLI: `--image`).
 */
export function parseParams<P extends z.ZodType>(
  operation: Pick<Operation<P>, "name" | "params" | "quickParams">,
  raw: unknown,
  label?: (param: string) => string,
): z.infer<P> {
  const quick = operation.quickParams?.(raw);
  if (quick !== undefined) return quick;
  // RPC callers get the full path (`payload.ok[1]`); the CLI names the parameter as it knows it.
  const name = (path: string) =>
    label ? label(path.split(/[.[]/)[0] || "params") : path || "params";
  let problems: string[];
  const unstorable = unstorableText(raw, jsonParams(operation.params));
  if (unstorable !== undefined) {
    problems = [`${name(unstorable.path)}: ${unstorable.problem}`];
  } else {
    const parsed = operation.params.safeParse(raw ?? {});
    if (parsed.success) return parsed.data;
    const input = raw ?? {};
    const keys = operation.params instanceof z.ZodObject ? Object.keys(operation.params.shape) : [];
    // One problem per parameter: an empty --image need not also hear that it has no spaces.
    const seen = new Set<string>();
    const first = parsed.error.issues.filter((issue) => {
      const key = JSON.stringify(issue.path);
      return issue.path.length === 0 || (!seen.has(key) && seen.add(key));
    });
    problems = first.map((issue) =>
      describeIssue(issue, valueAt(input, issue.path), name(issue.path.join(".")), keys)
    );
  }
  throw new DockswapError(
    "invalid_argument",
    label
      ? `Invalid ${problems.join("; ")}`
      : `Invalid parameters for ${operation.name}: ${problems.join("; ")}`,
    { problems },
  );
}

/**
 * Whether a call, its params already valid, may create a missing database file. (A caller that
 * may create one runs `precheck` first, so that a refused call leaves no file behind.)
 */
export function mayCreateDatabase<P extends z.ZodType>(
  operation: Operation<P>,
  params: z.infer<P>,
): boolean {
  return operation.access === "write" && (operation.mayCreate?.(params) ?? false);
}

/** Validates params and runs the operation in its own transaction (a savepoint when nested). */
export function execute<P extends z.ZodType, R extends z.ZodType>(
  context: OperationContext,
  operation: Operation<P, R> | FileOperation<P, R>,
  raw: unknown,
): z.infer<R> {
  if (runsAlone(operation)) {
    throw new Error(`${operation.name} runs alone, outside a transaction: use executeAlone`);
  }
  return executeValid(context, operation, parseParams(operation, raw));
}

/** Runs the operation on params `parseParams` returned, in its own transaction. */
export function executeValid<P extends z.ZodType, R extends z.ZodType>(
  context: OperationContext,
  operation: Operation<P, R>,
  params: z.infer<P>,
): z.infer<R> {
  const work = () => operation.run(context, params);
  return writes(operation, params) ? context.db.write(work) : context.db.read(work);
}

/** Validates params and runs a file operation, outside any transaction of the caller. */
export async function executeAlone<P extends z.ZodType, R extends z.ZodType>(
  context: OperationContext,
  operation: FileOperation<P, R>,
  raw: unknown,
): Promise<z.infer<R>> {
  if (context.db.inTransaction) {
    throw new Error(`${operation.name} runs alone, but a transaction is open`);
  }
  const params = parseParams(operation, raw);
  await operation.precheck?.(params, context.db.path);
  return await operation.runAlone(context, params);
}

/** Whether a call, its params already valid, takes the write lock. */
export function writes<P extends z.ZodType>(operation: Operation<P>, params: z.infer<P>): boolean {
  return operation.access === "write" && !(operation.readsOnly?.(params) ?? false);
}

/** Like `writes`, for params not yet validated: invalid ones are refused before any lock is taken. */
export function rawCallWrites(operation: Operation, raw: unknown): boolean {
  if (operation.access !== "write") return false;
  const quick = operation.quickParams?.(raw);
  if (quick !== undefined) return writes(operation, quick);
  const parsed = operation.params.safeParse(raw ?? {});
  return parsed.success ? writes(operation, parsed.data) : false;
}

const jsonParamsBySchema = new WeakMap<z.ZodType, Set<string>>();

/** The top-level parameters that take any JSON value (stored as JSON text, strings escaped). */
function jsonParams(schema: z.ZodType): Set<string> {
  let names = jsonParamsBySchema.get(schema);
  if (names === undefined) {
    names = jsonParamsOf(schema);
    jsonParamsBySchema.set(schema, names);
  }
  return names;
}

function jsonParamsOf(schema: z.ZodType): Set<string> {
  const names = new Set<string>();
  if (!(schema instanceof z.ZodObject)) return names;
  for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    let inner = field;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) {
      inner = inner.unwrap() as z.ZodType;
    }
    if (inner === exactJson) names.add(name);
  }
  return names;
}

/** A string or key that SQLite would not give back as sent: where, and why. */
interface Unstorable {
  path: string;
  problem: string;
}

/**
 * The first string or key in `params` that SQLite would not give back as sent. A lone UTF-16
 * surrogate (JSON allows "\ud800") is stored as U+FFFD. A NUL in a text column is stored, but
 * every reader (node:sqlite, the sqlite3 shell, SQL functions) stops at it; inside a JSON
 * parameter it is stored as the escape \u0000 and read back whole, so there it is kept.
 */
function unstorableText(
  value: unknown,
  jsonParams: Set<string>,
  path = "",
  inJson = false,
): Unstorable | undefined {
  if (typeof value === "string") {
    const problem = textProblem(value, inJson);
    return problem === undefined ? undefined : { path, problem };
  }
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;
    const innerIsJson = inJson || (path === "" && jsonParams.has(key));
    const keyProblem = textProblem(key, innerIsJson);
    if (keyProblem !== undefined) return { path: at, problem: keyProblem };
    const found = unstorableText(inner, jsonParams, at, innerIsJson);
    if (found !== undefined) return found;
  }
  return undefined;
}

function textProblem(text: string, inJson: boolean): string | undefined {
  if (!text.isWellFormed()) {
    return "holds a lone UTF-16 surrogate (such as \\ud800), which is not text";
  }
  const nul = inJson ? -1 : text.indexOf("\0");
  if (nul >= 0) {
    return `holds a NUL character (U+0000) at character ${nul + 1}, where a read of the ` +
      "stored text would stop; remove it";
  }
  return undefined;
}
