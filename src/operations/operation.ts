/**
 * What an operation is, and running one on params already valid. Validation (zod) is in
 * validation.ts: a one-shot read whose params pass its quick check loads none of it.
 */
import type * as z from "zod";
import type { Database } from "../db/database.ts";
import type { Words } from "../words.ts";

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
  /** As Operation's: a cheaper check of the common well-formed params (see quick_params.ts). */
  readonly quickParams?: (raw: unknown) => z.infer<P> | undefined;
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

/** An operation's params and result schemas. */
export interface OperationSchemas<
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly params: P;
  readonly result: R;
}

/**
 * An operation whose schemas are in a module of their own, loaded only when a caller needs them
 * (a refused parameter's message, `rpc.discover`): a one-shot read whose params pass the quick
 * check runs without loading the validator. operations/mod.ts serves it complete (`withSchemas`).
 */
export interface DeferredOperation<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType>
  extends Omit<Operation<P, R>, "params" | "result" | "quickParams"> {
  readonly schemas: () => Promise<OperationSchemas<P, R>>;
  readonly quickParams: (raw: unknown) => z.infer<P> | undefined;
  /** The keys of the rows it returns, when it returns a list of objects. */
  readonly rowColumns?: readonly string[];
}

/** Declares a deferred operation with its types inferred from its schemas. */
export function defineDeferredOperation<P extends z.ZodType, R extends z.ZodType>(
  operation: DeferredOperation<P, R>,
): DeferredOperation<P, R> {
  return operation;
}

/** True for an operation whose schemas are not loaded yet (see DeferredOperation). */
export function isDeferred(
  operation: Operation | DeferredOperation,
): operation is DeferredOperation {
  return "schemas" in operation;
}

/**
 * A file operation whose schemas are in a module of their own, as DeferredOperation's: an export
 * whose params pass the quick check runs without loading the validator.
 */
export interface DeferredFileOperation<
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> extends Omit<FileOperation<P, R>, "params" | "result" | "quickParams"> {
  readonly schemas: () => Promise<OperationSchemas<P, R>>;
  readonly quickParams: (raw: unknown) => z.infer<P> | undefined;
}

/** Declares a deferred file operation with its types inferred from its schemas. */
export function defineDeferredFileOperation<P extends z.ZodType, R extends z.ZodType>(
  operation: DeferredFileOperation<P, R>,
): DeferredFileOperation<P, R> {
  return operation;
}

/** A deferred operation with its schemas: the operation every validating caller uses. */
export function withSchemas<P extends z.ZodType, R extends z.ZodType>(
  operation: DeferredOperation<P, R>,
  schemas: OperationSchemas<P, R>,
): Operation<P, R>;
export function withSchemas<P extends z.ZodType, R extends z.ZodType>(
  operation: DeferredFileOperation<P, R>,
  schemas: OperationSchemas<P, R>,
): FileOperation<P, R>;
export function withSchemas<P extends z.ZodType, R extends z.ZodType>(
  operation: DeferredOperation<P, R> | DeferredFileOperation<P, R>,
  schemas: OperationSchemas<P, R>,
): Operation<P, R> | FileOperation<P, R> {
  // A file operation has no row columns: the rest is the operation as declared.
  const { schemas: _load, rowColumns: _columns, ...rest } = operation as DeferredOperation<P, R>;
  return { ...rest, params: schemas.params, result: schemas.result } as
    | Operation<P, R>
    | FileOperation<P, R>;
}

/** The operation with its schemas, loading them when it is deferred. */
export function withLoadedSchemas<P extends z.ZodType, R extends z.ZodType>(
  operation: Operation<P, R> | DeferredOperation<P, R>,
): Promise<Operation<P, R>>;
export function withLoadedSchemas<P extends z.ZodType, R extends z.ZodType>(
  operation: FileOperation<P, R> | DeferredFileOperation<P, R>,
): Promise<FileOperation<P, R>>;
export function withLoadedSchemas<P extends z.ZodType, R extends z.ZodType>(
  operation:
    | Operation<P, R>
    | DeferredOperation<P, R>
    | FileOperation<P, R>
    | DeferredFileOperation<P, R>,
): Promise<Operation<P, R> | FileOperation<P, R>>;
export async function withLoadedSchemas<P extends z.ZodType, R extends z.ZodType>(
  operation:
    | Operation<P, R>
    | DeferredOperation<P, R>
    | FileOperation<P, R>
    | DeferredFileOperation<P, R>,
): Promise<Operation<P, R> | FileOperation<P, R>> {
  if (!("schemas" in operation)) return operation;
  const schemas = await operation.schemas();
  return "runAlone" in operation
    ? withSchemas(operation as DeferredFileOperation<P, R>, schemas)
    : withSchemas(operation as DeferredOperation<P, R>, schemas);
}

/**
 * Whether a call, its params already valid, may create a missing database file. (A caller that
 * may create one runs `precheck` first, so that a refused call leaves no file behind.)
 */
export function mayCreateDatabase<P extends z.ZodType>(
  operation: Operation<P> | DeferredOperation<P>,
  params: z.infer<P>,
): boolean {
  return operation.access === "write" && (operation.mayCreate?.(params) ?? false);
}

/** Runs the operation on params `parseParams` returned, in its own transaction. */
export function executeValid<P extends z.ZodType, R extends z.ZodType>(
  context: OperationContext,
  operation: Operation<P, R> | DeferredOperation<P, R>,
  params: z.infer<P>,
): z.infer<R> {
  const work = () => operation.run(context, params);
  return writes(operation, params) ? context.db.write(work) : context.db.read(work);
}

/** Whether a call, its params already valid, takes the write lock. */
export function writes<P extends z.ZodType>(
  operation: Operation<P> | DeferredOperation<P>,
  params: z.infer<P>,
): boolean {
  return operation.access === "write" && !(operation.readsOnly?.(params) ?? false);
}
