import { assertEquals } from "../_assert.ts";
import { goTimeToIso } from "../../src/go_legacy.ts";
import { parseDuration, parseTimeBound } from "../../src/duration.ts";

Deno.test("Go time text becomes UTC ISO-8601 with milliseconds, truncated", () => {
  const cases: [string, string | undefined][] = [
    ["2025-07-24 14:32:20.123456789 +0000 UTC", "2025-07-24T14:32:20.123Z"],
    ["2025-07-24 14:32:20.999999999 +0000 UTC", "2025-07-24T14:32:20.999Z"],
    ["2025-07-24 16:32:20.5 +0200 CEST m=+0.000123456", "2025-07-24T14:32:20.500Z"],
    ["2025-07-24 09:32:20 -0500 EST", "2025-07-24T14:32:20.000Z"],
    ["2025-07-24 14:32:20", "2025-07-24T14:32:20.000Z"],
    ["2025-07-24T14:32:20.123456Z", "2025-07-24T14:32:20.123Z"],
    ["2025-07-24T16:32:20+02:00", "2025-07-24T14:32:20.000Z"],
    ["2025-07-24 14:32:20.123456789+00:00", "2025-07-24T14:32:20.123Z"],
    ["0001-01-01 00:00:00 +0000 UTC", "0001-01-01T00:00:00.000Z"],
    // Past a four-digit year once in UTC, or before year 0: unreadable, not a malformed ISO.
    ["9999-12-31 23:59:59.5 -0100", undefined],
    ["0000-01-01 00:30:00 +0100 CET", undefined],
    ["10000-01-01 00:00:00 +0000 UTC", undefined],
    ["-0001-03-01 10:00:00 +0000 UTC", undefined],
    ["", undefined],
    ["yesterday", undefined],
  ];
  for (const [input, expected] of cases) assertEquals(goTimeToIso(input), expected, input);
});

Deno.test("durations and time bounds", () => {
  assertEquals(parseDuration("90m"), 5_400_000);
  assertEquals(parseDuration("1h30m"), 5_400_000);
  assertEquals(parseDuration("2w"), 1_209_600_000);
  assertEquals(parseDuration("0s"), undefined);
  assertEquals(parseDuration("10"), undefined);
  assertEquals(parseDuration("ten days"), undefined);
  const now = "2026-11-28T03:00:00.000Z";
  assertEquals(parseTimeBound("24h", now), "2026-11-27T03:00:00.000Z");
  assertEquals(parseTimeBound("2026-11-01", now), "2026-11-01T00:00:00.000Z");
  assertEquals(parseTimeBound("2026-11-01T05:00:00+02:00", now), "2026-11-01T03:00:00.000Z");
  assertEquals(parseTimeBound("2026-13-01", now), undefined);
});
