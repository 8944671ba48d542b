/**
 * Tables for people: the columns a person needs, fitted to the terminal width. A value that does
 * not fit is cut and CUT_MARK stands where it was cut; `--wide` prints every value whole.
 * Pure: returns text.
 */

/** Ends a value cut to fit the width. */
export const CUT_MARK = "…";

/** How a table is laid out: the width to fit, or `wide` to cut nothing. */
export interface TableLayout {
  width: number;
  wide: boolean;
}

/** Laid out for an 80-column terminal, the width when output is not a terminal. */
export const DEFAULT_LAYOUT: TableLayout = { width: 80, wide: false };

/** One column of a table for people. */
export interface Column<Row> {
  header: string;
  cell: (row: Row) => string;
  /** The narrowest this column may be cut to; without it the column is never cut to fit. */
  min?: number;
  /** The widest its values are shown (a hash: its first digits), unless the layout is wide. */
  max?: number;
  /** The end kept when cut: the start (default), or the end when the tail tells rows apart (a tag). */
  keep?: "start" | "end";
}

/** Text width in terminal cells, counting each code point as one. */
function width(text: string): number {
  return [...text].length;
}

/** `text` cut to `size` cells, CUT_MARK where text was taken away; `keep` is the end kept. */
export function cut(text: string, size: number, keep: "start" | "end" = "start"): string {
  const points = [...text];
  if (points.length <= size) return text;
  const room = Math.max(0, size - 1);
  return keep === "start"
    ? points.slice(0, room).join("") + CUT_MARK
    : CUT_MARK + points.slice(points.length - room).join("");
}

/**
 * Column widths: each column as wide as its widest cell, then, while the row is wider than the
 * layout, the widest column that may still be cut loses one cell.
 */
function fit(natural: number[], mins: (number | undefined)[], layout: TableLayout): number[] {
  const widths = [...natural];
  if (layout.wide) return widths;
  const gaps = 2 * (widths.length - 1);
  let total = widths.reduce((a, b) => a + b, 0) + gaps;
  while (total > layout.width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      const min = mins[i];
      if (min === undefined || widths[i] <= min) continue;
      if (widest < 0 || widths[i] > widths[widest]) widest = i;
    }
    if (widest < 0) break;
    widths[widest]--;
    total--;
  }
  return widths;
}

/** An aligned grid of `rows`, one line each; "(no rows)" when empty. */
export function grid<Row>(rows: Row[], columns: Column<Row>[], layout: TableLayout): string {
  if (rows.length === 0) return "(no rows)\n";
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = oneLine(c.cell(row));
      return c.max === undefined || layout.wide ? text : cut(text, c.max);
    })
  );
  const natural = columns.map((c, i) =>
    Math.max(width(c.header), ...cells.map((r) => width(r[i])))
  );
  const widths = fit(natural, columns.map((c) => c.min), layout);
  const line = (values: string[]) =>
    values.map((v, i) => {
      const shown = cut(v, widths[i], columns[i].keep === "end" ? "end" : "start");
      return i === values.length - 1 ? shown : shown + " ".repeat(widths[i] - width(shown));
    }).join("  ").trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
  ].join("\n") + "\n";
}

/** `key  value` lines, values cut to the width left after the key. */
export function fields(entries: [string, string][], layout: TableLayout): string {
  const keyWidth = Math.max(...entries.map(([key]) => width(key)));
  const room = Math.max(8, layout.width - keyWidth - 2);
  return entries.map(([key, value]) => {
    const shown = layout.wide ? oneLine(value) : cut(oneLine(value), room);
    return `${key.padEnd(keyWidth)}  ${shown}`.trimEnd();
  }).join("\n") + "\n";
}

/** A cell on one line: line breaks shown as `\n`. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, "\\n");
}
