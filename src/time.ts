/** UTC ISO-8601 with milliseconds, the one timestamp format stored and printed. */
export function nowIso(): string {
  return new Date().toISOString();
}
