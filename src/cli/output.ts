/** Renders operation results as table, JSON, NDJSON or CSV text. Pure: returns strings. */

import { cellText, csvField } from "../csv.ts";
import { DEFAULT_LAYOUT, type TableLayout } from "./table.ts";

/** The output formats every command accepts. */
export const FORMATS = ["table", "json", "ndjson", "csv"] as const;
export type Format = typeof FORMATS[number];

/** A flat record: column name to value. */
export type FlatRow = Record<string, unknown>;

/** How a command's result becomes rows (table, CSV, NDJSON) or custom table text. */
export interface View<R> {
  /** Rows for table, CSV and NDJSON; default: the array itself, or the object flattened. */
  rows?: (result: R) => FlatRow[];
  /**
   * Text for the table format: the columns a person needs, fitted to `layout` (see table.ts),
   * or another shape (a diff, a YAML file).
   */
  table?: (result: R, layout: TableLayout) => string;
  /** Column names, so that an empty result still prints its CSV header. */
  columns?: string[];
  /** Columns the plain table never cuts: commands meant to be pasted (doctor's hints). */
  wholeColumns?: string[];
}

/** Renders a result in a format; the text ends with a newline unless it is empty. */
export function render<R>(
  result: R,
  format: Format,
  view: View<R> = {},
  layout: TableLayout = DEFAULT_LAYOUT,
): string {
  if (format === "json") return JSON.stringify(result, null, 2) + "\n";
  if (format === "table" && view.table) return view.table(result, layout);
  const rows = view.rows ? view.rows(result) : defaultRows(result);
  if (format === "ndjson") return rows.map((row) => JSON.stringify(row) + "\n").join("");
  if (format === "csv") return toCsv(rows, rows.length > 0 ? columnsOf(rows) : view.columns);
  return toTable(rows, view.wholeColumns);
}

function defaultRows(result: unknown): FlatRow[] {
  if (Array.isArray(result)) return result.map((item) => flatten(item));
  return [flatten(result)];
}

/** Flattens nested objects into dotted keys (`config.id`); arrays stay values. */
export function flatten(value: unknown, prefix = ""): FlatRow {
  const row: FlatRow = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    row[prefix || "value"] = value;
    return row;
  }
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
      Object.assign(row, flatten(inner, name));
    } else {
      row[name] = inner;
    }
  }
  return row;
}

function columnsOf(rows: FlatRow[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

/** RFC 4180 CSV: header line, CRLF line ends, fields quoted when they need it. */
export function toCsv(rows: FlatRow[], columns = columnsOf(rows)): string {
  if (columns.length === 0) return "";
  const line = (cells: string[]) => cells.map(csvField).join(",") + "\r\n";
  return line(columns) + rows.map((row) => line(columns.map((c) => cellText(row[c])))).join("");
}

/** A plain aligned grid for people; "(no rows)" when empty. */
export function toTable(rows: FlatRow[], wholeColumns: readonly string[] = []): string {
  if (rows.length === 0) return "(no rows)\n";
  const columns = columnsOf(rows);
  const cells = rows.map((row) =>
    columns.map((c) => oneLine(cellText(row[c]), wholeColumns.includes(c) ? Infinity : 80))
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const format = (values: string[]) =>
    values.map((v, i) => i === values.length - 1 ? v : v.padEnd(widths[i])).join("  ").trimEnd();
  return [format(columns), format(widths.map((w) => "-".repeat(w))), ...cells.map(format)]
    .join("\n") + "\n";
}

function oneLine(text: string, most: number): string {
  const flat = text.replace(/\r?\n/g, "\\n");
  return flat.length > most ? flat.slice(0, most - 3) + "..." : flat;
}
