/**
 * The assertions the tests use, on node:assert (JSR's @std/assert is unreachable here).
 * Names follow @std/assert so that the tests read the same as Deno's own.
 */
import nodeAssert from "node:assert/strict";

export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message);
}

export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(actual, pattern, message);
}

export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    message ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

export function assertThrows(work: () => unknown, pattern?: RegExp): Error {
  try {
    work();
  } catch (error) {
    if (pattern) nodeAssert.match((error as Error).message, pattern);
    return error as Error;
  }
  throw new nodeAssert.AssertionError({ message: "expected the function to throw" });
}
