/** SQL spelled from a record's column list, so that a statement cannot miss a column. */
import type { SqlValue } from "../db/database.ts";

/** `a, b, c`: a column list for SELECT or INSERT. */
export function columnList(columns: readonly string[]): string {
  return columns.join(", ");
}

/** `INSERT INTO table (a, b) VALUES (?, ?)`, one `?` per column. */
export function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columnList(columns)}) VALUES (${
    columns.map(() => "?").join(", ")
  })`;
}

/** The values of `record` in `columns` order, for the placeholders of insertSql. */
export function valuesOf<T>(record: T, columns: readonly (keyof T & string)[]): SqlValue[] {
  return columns.map((column) => record[column] as SqlValue);
}
