import { z } from "zod";
import { APP_NAME_RULE, isValidAppName } from "../app_name.ts";
import type { JsonValue } from "../store/events.ts";

/** Shared parameter and record schemas, so every operation spells a concept the same way. */

export const appName = z.string().refine(isValidAppName, { message: `must be ${APP_NAME_RULE}` })
  .describe("App name");

/** A row id: a positive integer within the safe range (huge numbers are refused, not rounded). */
export const rowId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const limit = z.number().int().positive().max(1_000_000).describe("Most rows to return");

export const timestamp = z.string().describe("UTC ISO-8601 with milliseconds");

export const configSummary = z.object({
  id: rowId,
  app_name: z.string(),
  config_sha: z.string().describe("SHA-256 of the raw YAML bytes, hex"),
  created_at: timestamp,
});

export const configRecord = configSummary.extend({ config_yaml: z.string() });

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

/** Whether `value` is a JSON value: what JSON.parse returns (finite numbers, plain objects). */
function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(isJsonValue);
}

/**
 * Any JSON value, checked but not copied: z.json() rebuilds objects by assignment, which turns
 * a "__proto__" key into the copy's prototype, so the key would vanish from what is stored.
 */
const jsonValue = z.custom<JsonValue>(isJsonValue, { message: "must be a JSON value" });

/**
 * Any JSON value whose numbers survive storage exactly: integers beyond ±2^53 were already
 * rounded when parsed, so they are refused (send them as strings) instead of stored wrong.
 */
export const exactJson = jsonValue.superRefine((value, context) => {
  const path = inexactNumberPath(value, "payload");
  if (path) {
    context.addIssue({
      code: "custom",
      message:
        `${path} is an integer beyond ±2^53 that cannot be stored exactly; send it as a string`,
    });
  }
});
