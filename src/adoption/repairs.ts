/** The repairs adoption makes to Go rows: each one logged with the value it replaced. */
import { goTimeToIso } from "../go_legacy.ts";

/** One change made to a row while adopting, with the value it replaced. */
export interface AdoptionRepair {
  table: string;
  row: string;
  column: string | null;
  old_value: string | null;
  new_value: string | null;
  reason: string;
}

/** A row a rule made from a Go row, and the repairs that took. */
export interface Adopted<T> {
  row: T;
  repairs: AdoptionRepair[];
}

/** The time given when a Go time cannot be read and nothing nearer stands in for it. */
export const EPOCH = "1970-01-01T00:00:00.000Z";

/**
 * A Go value as text. The Go driver stores a []byte (what json.Marshal returns) as a BLOB: its
 * bytes are the UTF-8 text, not a list of numbers.
 */
export function goText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
}

/** The repairs of one row (`table`, `row` as `id=7` or `app=web`), collected as a rule runs. */
export class RowRepairs {
  readonly list: AdoptionRepair[] = [];
  readonly table: string;
  readonly row: string;

  constructor(table: string, row: string) {
    this.table = table;
    this.row = row;
  }

  /** Records that `column` (null: the whole row) changed from `from` to `to`, and why. */
  add(column: string | null, change: { from: unknown; to: unknown; reason: string }): void {
    this.list.push({
      table: this.table,
      row: this.row,
      column,
      old_value: goText(change.from),
      new_value: goText(change.to),
      reason: change.reason,
    });
  }

  /** A Go time as UTC ISO; `fallback`, logged as a repair, when it cannot be read. */
  time(column: string, read: { value: unknown; fallback: string }): string {
    const iso = goTimeToIso(goText(read.value));
    if (iso !== undefined) return iso;
    this.add(column, { from: read.value, to: read.fallback, reason: "unreadable timestamp" });
    return read.fallback;
  }
}
