/**
 * The export formats, by name; the first is the default. A new format is a file beside this one
 * (an `ExportFormat`) and a line here: export's --format, db.export's `format` and their help
 * follow from this list.
 */
import { csv } from "./csv.ts";
import { json } from "./json.ts";
import { ndjson } from "./ndjson.ts";
import type { ExportFormat } from "./format.ts";

export type { ExportFormat, ExportFormatWriter } from "./format.ts";

export const EXPORT_FORMATS = { ndjson, csv, json } as const satisfies Record<string, ExportFormat>;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;

/** The format names, the default first. */
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as [
  ExportFormatName,
  ...ExportFormatName[],
];
