/** How table cells show times, durations and hashes (JSON, NDJSON and CSV keep the raw values). */

/** A stored UTC timestamp to the minute: `2026-03-01 14:05`. */
export function minute(iso: string | null): string {
  return iso === null ? "" : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A duration for people: `850ms`, `12.4s`, `3m05s`, `2h10m`, `3d04h`. */
export function duration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.floor(ms / 1_000);
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 3_600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3_600) % 24)}h`;
}

/** The time between two stored timestamps; empty while `to` is unknown. */
export function between(from: string, to: string | null): string {
  return to === null ? "" : duration(Date.parse(to) - Date.parse(from));
}

/** How long ago a stored timestamp was, in its largest whole unit: `45s ago`, `3m ago`, `2d ago`. */
export function ago(iso: string, now: number): string {
  const s = Math.floor(Math.max(0, now - Date.parse(iso)) / 1_000);
  if (s < 60) return `${s}s ago`;
  if (s < 3_600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** The first 12 hex digits of a SHA-256, as git shows short hashes. */
export function shortSha(sha: string | null): string {
  return sha === null ? "" : sha.slice(0, 12);
}
