/**
 * The methods the RPC server serves: every registered operation, plus `ping` and
 * `rpc.discover`, which need no database. `rpc.discover` describes each method with JSON Schemas
 * generated from the very zod schemas the server validates with.
 */
import * as z from "zod";
import { type FileOperation, type Operation, runsAlone } from "../operations/mod.ts";
import { VERSION } from "../version.ts";
import { MAX_NESTING } from "./envelope.ts";
import { MAX_LINE_BYTES } from "./framing.ts";

/** A method answered without the database. */
export interface BuiltinMethod {
  readonly name: string;
  readonly summary: string;
  readonly params: z.ZodType;
  readonly result: z.ZodType;
  readonly run: (params: unknown) => unknown;
}

/**
 * A method as the server sees it: an operation (in the group's transaction), a file operation
 * (alone, between commits) or a builtin.
 */
export type Method =
  | { kind: "operation"; operation: Operation }
  | { kind: "file"; operation: FileOperation }
  | { kind: "builtin"; builtin: BuiltinMethod };

const jsonSchema = z.record(z.string(), z.unknown()).describe("JSON Schema (draft 2020-12)");

const discoverResult = z.object({
  name: z.string(),
  version: z.string(),
  protocol: z.string(),
  max_line_bytes: z.number().int(),
  max_nesting: z.number().int(),
  methods: z.array(z.object({
    name: z.string(),
    summary: z.string(),
    access: z.enum(["read", "write", "none"]).describe(
      '"write" runs under the write lock, "read" in a snapshot, "none" without the database',
    ),
    params: jsonSchema,
    result: jsonSchema,
  })),
});

/** The method table: operations by name, then the builtins. */
export class MethodTable {
  readonly #methods = new Map<string, Method>();
  #discovery?: z.infer<typeof discoverResult>;

  constructor(operations: ReadonlyMap<string, Operation | FileOperation>) {
    for (const [name, operation] of operations) {
      this.#methods.set(
        name,
        runsAlone(operation) ? { kind: "file", operation } : { kind: "operation", operation },
      );
    }
    for (const builtin of this.#builtins()) {
      this.#methods.set(builtin.name, { kind: "builtin", builtin });
    }
  }

  /** The method called `name`, if there is one. */
  get(name: string): Method | undefined {
    return this.#methods.get(name);
  }

  /** Every method name, in the order `rpc.discover` lists them. */
  names(): string[] {
    return [...this.#methods.keys()];
  }

  /** The `rpc.discover` document (built once; schemas do not change while serving). */
  discover(): z.infer<typeof discoverResult> {
    this.#discovery ??= {
      name: "dockswap-db",
      version: VERSION,
      protocol: "JSON-RPC 2.0, one JSON value per line (UTF-8) on stdin and stdout",
      max_line_bytes: MAX_LINE_BYTES,
      max_nesting: MAX_NESTING,
      methods: [...this.#methods.values()].map((method) => {
        const { name, summary, params, result } = method.kind === "builtin"
          ? method.builtin
          : method.operation;
        return {
          name,
          summary,
          access: method.kind === "builtin" ? "none" as const : method.operation.access,
          params: paramsSchema(params),
          result: toSchema(result, "output"),
        };
      }),
    };
    return this.#discovery;
  }

  #builtins(): BuiltinMethod[] {
    return [
      {
        name: "ping",
        summary: "Liveness check: answers an empty object without touching the database",
        params: z.strictObject({}),
        result: z.strictObject({}),
        run: () => ({}),
      },
      {
        name: "rpc.discover",
        summary: "Every method with the JSON Schema of its params and of its result",
        params: z.strictObject({}),
        result: discoverResult,
        run: () => this.discover(),
      },
    ];
  }
}

/**
 * The one params rule no JSON Schema keyword can state: a validator sees a string only after its
 * JSON parser has kept, replaced (with U+FFFD) or rejected a lone surrogate escape.
 */
const WELL_FORMED_STRINGS = "Every string and object key, at any depth, must be well-formed " +
  'Unicode: one holding a lone UTF-16 surrogate (such as "\\ud800") is refused with -32602, ' +
  "a rule JSON Schema cannot express.";

/** A method's params as JSON Schema, its description stating the rule the schema cannot. */
function paramsSchema(params: z.ZodType): Record<string, unknown> {
  const schema = toSchema(params, "input");
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (properties && Object.keys(properties).length > 0) {
    const own = typeof schema.description === "string" ? `${schema.description}. ` : "";
    schema.description = own + WELL_FORMED_STRINGS;
  }
  return schema;
}

function toSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  // Rules are zod checks with a JSON Schema form; rules across parameters add theirs in meta.
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
}
