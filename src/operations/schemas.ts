import * as z from "zod";
import { APP_NAME_PATTERN, APP_NAME_RULE, MAX_APP_NAME_LENGTH } from "../app_name.ts";
import type { JsonValue } from "../records/fields.ts";
import { MOST_ROWS } from "./quick_params.ts";

// The field types parameters share with records: their schemas, derived in src/records/schemas.ts.
export { rowId, timestamp } from "../records/schemas.ts";

/**
 * Shared parameter schemas, so every operation spells a concept the same way (records and their
 * field types are in src/records/). Rules
 * are written as zod checks that have a JSON Schema form (regex, min, max, enum), not as
 * refinements, so that `rpc.discover` advertises exactly what the server accepts.
 */

// One message for each way a name can fail; `abort` keeps an empty name to a single problem.
const appNameProblem = { message: `must be ${APP_NAME_RULE}`, abort: true };

export const appName = z.string()
  .min(1, appNameProblem)
  .max(MAX_APP_NAME_LENGTH, appNameProblem)
  .regex(APP_NAME_PATTERN, appNameProblem)
  .describe(`App name: ${APP_NAME_RULE}`);

/**
 * A JSON Schema clause that holds when all of `names` are present, for rules across parameters
 * (`oneOf`, `not`, `anyOf` in an object schema's meta). It repeats the names under `properties`
 * so that strict validators (ajv's strictRequired) see them defined.
 */
export function presenceOf(...names: string[]): Record<string, unknown> {
  return { properties: Object.fromEntries(names.map((name) => [name, true])), required: names };
}

/**
 * Text stored in a column. parseParams refuses a NUL first, naming where (every reader of the
 * column would stop at it); the pattern states the rule in `rpc.discover` too.
 */
// deno-lint-ignore no-control-regex -- U+0000 is the character refused
export const storedText = z.string().regex(/^[^\u0000]*$/, {
  message: "must not hold a NUL character (U+0000)",
});

/** A file path: not empty (an unset variable is no name), no NUL (no file system takes one). */
export const filePath = storedText.min(1, { message: "must not be empty; give a file path" });

export const limit = z.number().int().positive().max(MOST_ROWS).describe("Most rows to return");

/** The path of the first number in `value` that JSON cannot carry exactly, if any. */
function inexactNumberPath(value: unknown, path: string): string | undefined {
  if (typeof value === "number") {
    const exact = Number.isFinite(value) &&
      (!Number.isInteger(value) || Number.isSafeInteger(value));
    return exact ? undefined : path;
  }
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = inexactNumberPath(
      inner,
      Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
    );
    if (found) return found;
  }
  return undefined;
}

// A JSON number that is not an integer beyond ±(2^53 - 1), in JSON Schema: the check below. Any
// number passes here, ±Infinity too (JSON.parse reads 1e400 so), for that check to name its path.
const exactNumber = z.custom<number>((value) => typeof value === "number").meta({
  type: "number",
  not: {
    type: "integer",
    not: { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
  },
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Any JSON value. Objects are checked, not copied: z.record() rebuilds them by assignment, which
 * turns a "__proto__" key into the copy's prototype, so the key would vanish from what is stored.
 */
const exactJsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    exactNumber,
    z.boolean(),
    z.null(),
    z.array(exactJsonValue),
    z.custom<{ [key: string]: JsonValue }>((value) =>
      isPlainObject(value) &&
      Object.values(value).every((item) => exactJsonValue.safeParse(item).success)
    ).meta({ type: "object", additionalProperties: { $ref: "#/$defs/exact_json" } }),
  ])
).meta({ id: "exact_json" });

/**
 * Any JSON value whose numbers survive storage exactly: integers beyond ±2^53 were already
 * rounded when parsed, so they are refused (send them as strings) instead of stored wrong.
 */
export const exactJson = exactJsonValue.superRefine((value, context) => {
  const path = inexactNumberPath(value, "payload");
  if (path) {
    context.addIssue({
      code: "custom",
      message:
        `${path} is an integer beyond ±2^53 that cannot be stored exactly; send it as a string`,
    });
  }
});
