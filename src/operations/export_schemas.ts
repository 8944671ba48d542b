/**
 * The schemas of `export` (export.ts), and db.export complete with them: what the RPC server
 * serves and every validating caller uses.
 */
import * as z from "zod";
import { TIME_BOUND_PATTERN, TIME_HELP } from "../duration.ts";
import { EXPORT_TABLES } from "../store/export.ts";
import {
  EXPORT_FORMAT_NAMES,
  EXPORT_FORMATS,
  type ExportFormatName,
} from "./export_formats/mod.ts";
import { exportToFile, ONE_TABLE_FORMATS, validTimeBound } from "./export.ts";
import { type FileOperation, withSchemas } from "./operation.ts";
import { appName, filePath } from "./schemas.ts";

const timeBound = z.string().regex(TIME_BOUND_PATTERN, { message: `must be ${TIME_HELP}` })
  .refine((text) => validTimeBound(text), {
    message: "must be a real date and time, and a duration of at most 36500d (100 years)",
  });

/** db.export's params but the output: what `export` to stdout takes. */
const selectionShape = {
  table: z.enum([...EXPORT_TABLES, "all"]).default("all")
    .describe("What to export: one table, or all of them (parents first)"),
  format: z.enum(EXPORT_FORMAT_NAMES).default(EXPORT_FORMAT_NAMES[0])
    .describe(
      EXPORT_FORMAT_NAMES.map((name) => `${name}: ${EXPORT_FORMATS[name].help}`).join("; "),
    ),
  app_name: appName.optional().describe("Only this app's rows"),
  since: timeBound.optional().meta({ examples: ["2026-11-28", "2026-11-28T03:00:00Z", "24h"] })
    .describe(`Rows at or after this time: ${TIME_HELP}`),
  until: timeBound.optional().meta({ examples: ["2026-11-28", "2026-11-28T03:00:00Z", "24h"] })
    .describe("Rows before this time (same forms as since)"),
  cursor: filePath.optional()
    .describe("Export only rows newer than the ids remembered in this file, and move it"),
  gzip: z.boolean().default(false).describe("Gzip the output"),
};

/** A file of several tables in a format that holds one: refused, in JSON Schema too. */
function withOneTableRule<T extends z.ZodObject>(schema: T) {
  return schema.refine(
    (params) => {
      const { format, table } = params as { format: ExportFormatName; table: string };
      return EXPORT_FORMATS[format].severalTables || table !== "all";
    },
    {
      message: `must be one table (${EXPORT_TABLES.join(", ")}) for ${
        ONE_TABLE_FORMATS.join(", ")
      }, which holds one`,
      path: ["table"],
    },
  ).meta({
    not: {
      properties: { format: { enum: ONE_TABLE_FORMATS }, table: { const: "all" } },
      required: ["format"],
    },
  });
}

const streamParams = withOneTableRule(z.strictObject(selectionShape));

const fileParams = withOneTableRule(z.strictObject({
  output: filePath.describe(
    "The file to write: atomically (temporary file, fsync, rename); with cursor an existing " +
      "file is refused (file_exists), never replaced",
  ),
  ...selectionShape,
}));

const exportResult = z.object({
  output: z.string().nullable().describe("The file written; null for a stream"),
  format: z.enum(EXPORT_FORMAT_NAMES),
  gzip: z.boolean(),
  tables: z.array(z.object({
    table: z.enum(EXPORT_TABLES),
    rows: z.number().int(),
    last_id: z.number().int().nullable().describe("The id of the last row written"),
  })),
  cursor: z.object({
    path: z.string(),
    last_id: z.record(z.string(), z.number().int()),
  }).nullable().describe("The cursor as moved, or null without one"),
});

export type ExportSummary = z.infer<typeof exportResult>;

/** `export` to a stream (the CLI's stdout). */
export const EXPORT_TO_STREAM = { params: streamParams, result: exportResult };

/** db.export: the export written to a file. */
export const EXPORT_TO_FILE = { params: fileParams, result: exportResult };

/** The registered db.export. */
export const dbExportOperation: FileOperation = withSchemas(exportToFile(), EXPORT_TO_FILE);
