/**
 * Validating an operation's params against its zod schema, with messages that name each bad
 * parameter, and running a call from raw params. Loaded by the RPC server, and by the commands
 * that need zod: those whose params their operation's quick check does not take, and those
 * without one.
 */
import * as z from "zod";
import { DockswapError } from "../errors.ts";
import { exactJson } from "./schemas.ts";
import { describeIssue, valueAt } from "./param_problem.ts";
import {
  executeValid,
  type FileOperation,
  type Operation,
  type OperationContext,
  runsAlone,
  writes,
} from "./operation.ts";

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
