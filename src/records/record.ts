/**
 * What a record is: a zod object whose keys are its table's columns, in the table's order. The
 * store's column lists, export's columns and the RPC result schemas are read off it here, so a
 * change of validator is a change of this folder.
 */
import type { z } from "zod";

/** The column names of a record, in its (the table's) order. */
export function columnsOf<Shape extends z.ZodRawShape>(
  record: z.ZodObject<Shape>,
): readonly (keyof Shape & string)[] {
  return Object.freeze(Object.keys(record.shape)) as readonly (keyof Shape & string)[];
}
