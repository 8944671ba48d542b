import * as z from "zod";
import { didYouMean } from "../similar_words.ts";

/**
 * A refused parameter as a sentence: what was given, then what is accepted. Turns each kind of
 * zod issue into words, so that no message is the library's own phrasing ("Too small: expected
 * string to have >=1 characters"); a message the schema wrote itself (a refinement's rule) is kept.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  name: string,
  acceptedKeys: readonly string[] = [],
): string {
  const given = describeValue(input);
  const own = ownMessage(issue, input);
  // A schema's own message either states the rule ("must be ...") or is a whole sentence.
  if (own !== undefined && !own.startsWith("must ")) return `${name}: ${own}`;
  const rule = own ?? ruleOf(issue, input, acceptedKeys);
  if (issue.code === "unrecognized_keys") return `${name}: ${rule}`;
  if (input === undefined) return `${name}: missing; ${rule}`;
  return `${name}: got ${given}; ${rule}`;
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The schema's own text for this issue, when it gave one instead of zod's default. */
function ownMessage(issue: z.core.$ZodIssue, input: unknown): string | undefined {
  if (issue.code === "custom") return issue.message;
  const standard = z.config().localeError!({ ...issue, input } as never);
  const text = typeof standard === "string" ? standard : standard?.message;
  return issue.message === text ? undefined : issue.message;
}

function ruleOf(
  issue: z.core.$ZodIssue,
  input: unknown,
  acceptedKeys: readonly string[],
): string {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${typeNoun(issue.expected)}`;
    case "too_small":
      return `must ${bound(issue.origin, "at least", "more than", issue.minimum, issue.inclusive)}`;
    case "too_big":
      return `must ${bound(issue.origin, "at most", "less than", issue.maximum, issue.inclusive)}`;
    case "invalid_format":
      return issue.format === "regex" && "pattern" in issue
        ? `must match the pattern ${String(issue.pattern)}`
        : `must be ${
          issue.format === "regex" ? "in the expected form" : `a valid ${issue.format}`
        }`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_value": {
      const values = issue.values.map((v) => typeof v === "string" ? v : JSON.stringify(v));
      const accepted = values.length === 1
        ? `must be ${values[0]}`
        : `must be one of: ${values.join(", ")}`;
      return typeof input === "string" ? accepted + didYouMean(input, values) : accepted;
    }
    case "unrecognized_keys": {
      const unknown = issue.keys.map((key) => JSON.stringify(key) + didYouMean(key, acceptedKeys));
      const accepted = acceptedKeys.length === 0 ? "none" : acceptedKeys.join(", ");
      return `unknown parameter${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}; ` +
        `accepted: ${accepted}`;
    }
    case "invalid_union": {
      const expected = issue.errors.flat().flatMap((inner) =>
        inner.code === "invalid_type" && inner.path.length === 0 ? [typeNoun(inner.expected)] : []
      );
      return expected.length > 0
        ? `must be ${oneOf([...new Set(expected)])}`
        : "is none of the accepted forms";
    }
    case "invalid_key":
      return `has a key that is not accepted (${innerRules(issue.issues, input)})`;
    case "invalid_element":
      return `has an element that is not accepted (${innerRules(issue.issues, input)})`;
    default:
      return "is not accepted";
  }
}

function innerRules(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  return issues.map((inner) => ownMessage(inner, input) ?? ruleOf(inner, input, [])).join("; ");
}

function bound(
  origin: string,
  inclusiveWord: string,
  exclusiveWord: string,
  limit: number | bigint,
  inclusive = true,
): string {
  const size = Number(limit);
  const unit = (noun: string) => `${size} ${noun}${size === 1 ? "" : "s"}`;
  const word = inclusive ? inclusiveWord : exclusiveWord;
  switch (origin) {
    case "string":
      return `have ${word} ${unit("character")}`;
    case "array":
    case "set":
      return `have ${word} ${unit("item")}`;
    case "file":
      return `have ${word} ${unit("byte")}`;
    default:
      return `be ${word} ${limit}`;
  }
}

const TYPE_NOUNS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
  null: "null",
};

function typeNoun(expected: string): string {
  return TYPE_NOUNS[expected] ?? `a ${expected}`;
}

function oneOf(nouns: string[]): string {
  return nouns.length <= 1 ? nouns.join("") : `${nouns.slice(0, -1).join(", ")} or ${nouns.at(-1)}`;
}

/** A value as a message shows it: strings quoted (long ones cut), containers by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    if (value === "") return 'an empty string ("")';
    // Counted as the length limits count: in UTF-16 code units.
    return value.length <= 40
      ? JSON.stringify(value)
      : `${JSON.stringify(value.slice(0, 37))}... (${value.length} characters)`;
  }
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return `the number ${value}`;
  return String(value);
}
