/** Go text holding a NUL character, which every reader of it stops at. Pure. */
import type { TextWithNul } from "./go_rows.ts";
import { type AdoptionRepair, RowRepairs } from "./repairs.ts";

/**
 * The repair logged for a text holding a NUL: SQLite's readers (this one, the sqlite3 shell)
 * stop at it, so the text is adopted up to there; the log keeps it whole (NUL as \u0000).
 */
export function cutTextRepair(text: TextWithNul): AdoptionRepair {
  const whole = new TextDecoder().decode(text.bytes);
  const repairs = new RowRepairs(text.table, text.key);
  repairs.add(text.column, {
    from: whole.replaceAll("\0", "\\u0000"),
    to: whole.slice(0, whole.indexOf("\0")),
    reason: "holds a NUL character, where every reader of the text stops: adopted up to it",
  });
  return repairs.list[0];
}
