/** What an export format is: how it writes tables as text. One file per format (see mod.ts). */
import type { Database } from "../../db/database.ts";
import type { ExportFilter, ExportPage, ExportTable } from "../../store/export.ts";

/** An export format: its help line, whether a file may hold several tables, and its writer. */
export interface ExportFormat {
  /** One line for --help and the docs: what a file of this format holds. */
  readonly help: string;
  /** False when a file holds one table only (CSV has one header). */
  readonly severalTables: boolean;
  /** A writer for one file; `typed` when the file holds several tables. */
  open(typed: boolean): ExportFormatWriter;
}

/**
 * The text of one file, in the order it is asked for: `start`, then per table `startTable`, its
 * `pages` (rows arrive a page at a time, so memory stays flat) and `endTable`, then `end`.
 */
export interface ExportFormatWriter {
  start(): string;
  startTable(table: ExportTable, index: number): string;
  pages(db: Database, table: ExportTable, filter: ExportFilter): Iterable<ExportPage<string>>;
  endTable(rows: number): string;
  end(): string;
}
