import type { Command } from "commander";
import type * as z from "zod";
import { adoptGoDatabase } from "../adoption/adopt.ts";
import type { Database } from "../db/database.ts";
import { openDatabase } from "../db/open.ts";
import { octalMode, OTHERS_BITS, ownerOnlyTargets, sharedFiles } from "../db/file_modes.ts";
import { describeAdoption } from "./adoption_report.ts";
import { locateDatabase } from "./location.ts";
import { DockswapError, type ErrorCode } from "../errors.ts";
import {
  type DeferredFileOperation,
  type DeferredOperation,
  executeValid,
  type FileOperation,
  isDeferred,
  mayCreateDatabase,
  type Operation,
  type OperationContext,
  withLoadedSchemas,
} from "../operations/operation.ts";
import { nowIso } from "../time.ts";
import type { CommandSpec } from "./command_spec.ts";
import { labelOf } from "./command_spec.ts";
import type { CliIo } from "./io.ts";
import { CliSpeaker, ownerOnlyCommand } from "./speak.ts";
import { type Format, render, type View } from "./output.ts";

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  db?: string;
  format: Format;
  json?: boolean;
  wide?: boolean;
}

/**
 * What a command action uses: the chosen output format, the database (opened on demand and
 * closed after the action), and the exit status it wants.
 */
export class CommandRunner {
  readonly io: CliIo;
  exitCode = 0;
  /** Words messages the CLI way, naming parameters as the running command spells them. */
  speaker: CliSpeaker;

  constructor(io: CliIo, commands: readonly CommandSpec[]) {
    this.io = io;
    this.speaker = new CliSpeaker(commands);
  }

  /** The global options as they apply to this command. */
  globals(command: Command): GlobalOptions & { format: Format } {
    const options = command.optsWithGlobals<GlobalOptions>();
    return { ...options, format: options.json ? "json" : options.format };
  }

  /** The database path this command would use. */
  databasePath(command: Command): string {
    return locateDatabase({
      flag: this.globals(command).db,
      env: this.io.env,
      isDirectory: this.io.isDirectory,
    }).path;
  }

  /** Opens the database, runs `work` with it and closes it whatever happens. */
  withDatabase<T>(
    command: Command,
    work: (context: OperationContext) => T,
    options: { applyMigrations?: boolean; create?: boolean } = {},
  ): T {
    const db = openDatabase(this.databasePath(command), {
      ...options,
      adoptGoFile: this.adoptGoFile,
    });
    this.warnIfReadableByOthers(db.path);
    try {
      return work({ db, now: nowIso, speak: this.speaker.text });
    } finally {
      db.close();
    }
  }

  /** Like `withDatabase`, for async work (an export that streams to a file). */
  async withDatabaseAsync<T>(
    command: Command,
    work: (context: OperationContext) => Promise<T>,
  ): Promise<T> {
    const db = openDatabase(this.databasePath(command), {
      create: false,
      adoptGoFile: this.adoptGoFile,
    });
    this.warnIfReadableByOthers(db.path);
    try {
      return await work({ db, now: nowIso, speak: this.speaker.text });
    } finally {
      db.close();
    }
  }

  /** True when the user gave --format or --json, not just the default. */
  formatGiven(command: Command): boolean {
    let root = command;
    while (root.parent) root = root.parent;
    return root.getOptionValueSource("format") !== "default" || root.opts().json === true;
  }

  /** Adopts a Go dockswap database and tells the user, on stderr, that it did and how. */
  readonly adoptGoFile = (db: Database): void => {
    const report = adoptGoDatabase(db);
    if (report) this.note(describeAdoption(report));
  };

  /**
   * Tells the user, on stderr, when every user of the host may read the database: its journals
   * get the same mode, and nothing else would say so. (Group access is only doctor's warning:
   * a shared group is often meant.)
   */
  warnIfReadableByOthers(path: string): void {
    const shared = sharedFiles(path, OTHERS_BITS);
    if (!shared.database) return;
    this.note(
      `dockswap-db: warning: other users can read "${shared.database.path}" (mode ` +
        `${octalMode(shared.database.mode)}), and SQLite gives its -wal and -shm the same ` +
        `mode; make it owner-only: ${
          ownerOnlyCommand(ownerOnlyTargets({ database: shared.database, journals: [] }))
        }`,
    );
  }

  /**
   * Runs `operation`, the one `spec` names, and prints its result in the chosen format. The
   * params are validated here, once; messages name them as `spec` spells them. Params its quick
   * check takes need no validator here: zod is loaded for the others (and their messages), or
   * when the operation's own module imports it (the writes do).
   */
  async invoke<P extends z.ZodType, R extends z.ZodType>(
    command: Command,
    spec: CommandSpec,
    operation: Operation<P, R> | DeferredOperation<P, R>,
    params: z.input<P>,
    view: View<z.infer<R>> = {},
  ): Promise<z.infer<R>> {
    if (operation.name !== spec.method) {
      throw new Error(`${spec.words.join(" ")} names ${spec.method}, not ${operation.name}`);
    }
    this.speaker = this.speaker.for(spec);
    // Bad parameters are refused before the file is looked at. Only a call that can succeed on
    // an empty database creates a missing one or initialises an empty file: a read of a
    // mistyped path must not report "no apps", nor a refused write leave an empty file behind.
    const parsed = operation.quickParams?.(params) ??
      await validParams(operation, params, (param) => labelOf(spec, param));
    let create = false;
    if (this.io.isMissingOrEmpty(this.databasePath(command))) {
      operation.precheck?.(parsed);
      create = mayCreateDatabase(operation, parsed);
    }
    const result = this.withDatabase(
      command,
      (context) => executeValid(context, operation, parsed),
      { create },
    );
    const columns = isDeferred(operation)
      ? operation.rowColumns && [...operation.rowColumns]
      : rowColumns(operation.result);
    this.print(command, result, { columns, ...view });
    return result;
  }

  /**
   * Runs a file operation (export, backup): bad parameters refused and its checks run before the
   * database is opened, then its work, alone. The result is returned, not printed: export's
   * stdout may be its data. `names` are the command's own names of its parameters (`--app`,
   * `FILE`); a parameter it does not name keeps its operation name. Params its quick check takes
   * need no validator, as in `invoke`.
   */
  async invokeAlone<P extends z.ZodType, R extends z.ZodType>(
    command: Command,
    operation: FileOperation<P, R> | DeferredFileOperation<P, R>,
    params: z.input<P>,
    names: Readonly<Record<string, string>> = {},
  ): Promise<z.infer<R>> {
    const parsed = operation.quickParams?.(params) ??
      await validParams(operation, params, (name) => names[name] ?? name);
    await operation.precheck?.(parsed, this.databasePath(command));
    return await this.withDatabaseAsync(command, (context) => operation.runAlone(context, parsed));
  }

  /** Prints a result in the chosen format; tables fit the terminal unless --wide. */
  print<R>(command: Command, result: R, view: View<R> = {}): void {
    const { format, wide } = this.globals(command);
    this.io.out(render(result, format, view, { width: this.io.columns, wide: wide === true }));
  }

  /** A message for people, on stderr (never mixed into piped output). */
  note(text: string): void {
    this.io.err(text.endsWith("\n") ? text : text + "\n");
  }

  /**
   * Reads a named file, or stdin for "-", refusing files over `maxBytes` with `tooLarge`: the
   * code of the input's own problems (a config over the cap is an invalid config).
   */
  async readInput(
    path: string,
    maxBytes: number,
    tooLarge: ErrorCode = "invalid_argument",
  ): Promise<Uint8Array> {
    try {
      const bytes = path === "-"
        ? await this.io.readStdin(maxBytes)
        : this.io.readFile(path, maxBytes);
      if (bytes.length > maxBytes) throw new RangeError("too large");
      return bytes;
    } catch (error) {
      const name = path === "-" ? "stdin" : `"${path}"`;
      if (error instanceof RangeError) {
        throw new DockswapError(
          tooLarge,
          `${name} is larger than ${maxBytes} bytes, the most accepted`,
        );
      }
      if (error instanceof Deno.errors.NotFound) {
        throw new DockswapError("io_error", `Cannot read ${name}: no such file`);
      }
      if (error instanceof Deno.errors.IsADirectory) {
        throw new DockswapError("io_error", `Cannot read ${name}: it is a directory`);
      }
      if (error instanceof Deno.errors.PermissionDenied) {
        throw new DockswapError("io_error", `Cannot read ${name}: permission denied`);
      }
      throw new DockswapError("io_error", `Cannot read ${name}: ${(error as Error).message}`);
    }
  }
}

/** Params checked against the operation's schema (loaded for it), or refused in words. */
async function validParams<P extends z.ZodType>(
  operation: Operation<P> | DeferredOperation<P> | FileOperation<P> | DeferredFileOperation<P>,
  params: unknown,
  label: (param: string) => string,
): Promise<z.infer<P>> {
  const { parseParams } = await import("../operations/validation.ts");
  return parseParams(await withLoadedSchemas(operation), params, label);
}

/** The keys of the rows an operation returns when it returns a list of objects. */
function rowColumns(schema: z.ZodType): string[] | undefined {
  if (schema._zod.def.type !== "array") return undefined;
  const element = (schema as z.ZodArray).element;
  return element._zod.def.type === "object"
    ? Object.keys((element as z.ZodObject).shape)
    : undefined;
}
