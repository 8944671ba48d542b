/**
 * Go's duration syntax, as `time.ParseDuration` reads it: the only form the Go dockswap's
 * yaml.v3 decoding accepts for a `time.Duration` field (it refuses bare numbers).
 */

const NANOSECONDS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n, // U+00B5 MICRO SIGN
  "μs": 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** One or more `<number><unit>` parts after an optional sign, as Go's grammar has it. */
const SYNTAX = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g;
const INT64_MAX = (1n << 63n) - 1n;

/** Whether Go's `time.ParseDuration` accepts `text` ("0", "90s", "1h30m", "-1.5h", ...). */
export function isGoDuration(text: string): boolean {
  if (/^[-+]?0$/.test(text)) return true;
  if (!SYNTAX.test(text)) return false;
  // Go refuses a total beyond the int64 nanoseconds a Duration holds (about 292 years).
  let total = 0n;
  for (const [, whole, fraction = "", unit] of text.matchAll(PART)) {
    const scale = NANOSECONDS[unit];
    total += BigInt(whole || "0") * scale;
    if (fraction !== "") {
      total += BigInt(Math.floor(Number(`0.${fraction}`) * Number(scale)));
    }
  }
  return total <= (text.startsWith("-") ? INT64_MAX + 1n : INT64_MAX);
}
