/**
 * Quick checks of the common, well-formed params of the busiest methods: each gives the params
 * exactly as the zod schema would (same values, the schema's key order), or undefined for
 * anything it is not sure of, which the schema then parses, so that every refusal keeps its words.
 * tests/operations/quick_params_test.ts holds each against its schema.
 */
import type { z } from "zod";
import { APP_NAME_PATTERN, MAX_APP_NAME_LENGTH } from "../app_name.ts";
import type { JsonValue } from "../records/fields.ts";

/** The most rows a read returns: its `limit`'s maximum, and its default. */
export const MOST_ROWS = 1_000_000;

/**
 * The quick check of an object schema's params: a plain object of the schema's keys only that
 * `accepts` passes is given back in the schema's key order; anything else is undefined (left to
 * the schema).
 */
export function quickCheck<S extends z.ZodObject>(
  schema: S,
  accepts: (params: Record<string, unknown>) => boolean,
): (raw: unknown) => z.infer<S> | undefined {
  return quickCheckOf<z.infer<S>>(Object.keys(schema.shape), accepts);
}

/**
 * The quick check of params whose schema is not loaded (a deferred operation's): `keys` are the
 * schema's, in its order; tests/operations/quick_params_test.ts holds them against it.
 */
export function quickCheckOf<T>(
  keys: readonly string[],
  accepts: (params: Record<string, unknown>) => boolean,
): (raw: unknown) => T | undefined {
  const known = new Set(keys);
  return (raw) => {
    const params = plainParams(raw);
    if (params === undefined || !onlyKeys(params, known) || !accepts(params)) return undefined;
    return inOrder<T>(params, keys);
  };
}

/**
 * The params as a plain object, or undefined for anything else. A key given as undefined (an
 * option the command line left out) stays, as the schema keeps it; `accepts` judges its value.
 */
function plainParams(raw: unknown): Record<string, unknown> | undefined {
  if (typeof raw !== "object" || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) {
    return undefined;
  }
  return raw as Record<string, unknown>;
}

/** True when `params` holds no key outside `known`. */
function onlyKeys(params: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  for (const key in params) if (!known.has(key)) return false;
  return true;
}

/** Copies the present keys of `params` in `order` (the schema's), as zod's output has them. */
function inOrder<T>(params: Record<string, unknown>, order: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const key of order) if (Object.hasOwn(params, key)) out[key] = params[key];
  return out as T;
}

export function isAppName(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_APP_NAME_LENGTH &&
    APP_NAME_PATTERN.test(value);
}

export function isRowId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** Text stored as sent: no NUL, no lone surrogate, at most `max` UTF-16 units. */
export function isStoredText(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length <= max && !value.includes("\0") &&
    value.isWellFormed();
}

/** schemas.ts's filePath: stored text, not empty. */
export function isFilePath(value: unknown): value is string {
  return isStoredText(value, Infinity) && value.length > 0;
}

/**
 * A JSON value stored exactly: plain objects and arrays, finite numbers (integers within
 * ±(2^53 - 1)), well-formed strings and keys (a NUL is kept inside JSON).
 */
export function isExactJson(value: unknown): value is JsonValue {
  switch (typeof value) {
    case "string":
      return value.isWellFormed();
    case "number":
      return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
    case "boolean":
      return true;
    case "object": {
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isExactJson);
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key of Object.keys(value)) {
        if (!key.isWellFormed() || !isExactJson((value as Record<string, unknown>)[key])) {
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}
