/**
 * Each record's zod schema, derived from its definition (record.ts), and the zod form of each
 * field type: what validation and the RPC result schemas use. Only operations that validate or
 * describe records import this module (and zod with it); a one-shot read does not.
 */
import * as z from "zod";
import { adoptionLogRow as adoptionLogDefinition } from "./adoption_log.ts";
import {
  configRecord as configDefinition,
  configSummary as configSummaryDefinition,
} from "./config.ts";
import {
  currentStateRecord as currentStateRecordDefinition,
  currentStateRow as currentStateRowDefinition,
} from "./current_state.ts";
import {
  deploymentRecord as deploymentRecordDefinition,
  deploymentRow as deploymentRowDefinition,
} from "./deployment.ts";
import { eventRecord as eventDefinition } from "./event.ts";
import * as fields from "./fields.ts";
import type { Field, RecordDefinition, Shape } from "./record.ts";

/** The zod schema of a field's kind (with what the kind means). */
function kindSchema(field: Field<unknown>): z.ZodType {
  switch (field.kind) {
    case "text":
      return z.string();
    case "row_id":
      return z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
    case "chain_hash":
      return z.string().regex(/^[0-9a-f]{64}$/).describe(field.kindDescription!);
    case "timestamp":
      return z.string().describe(field.kindDescription!);
    case "enum":
      return z.enum(field.values!).describe(field.kindDescription!);
    case "json":
      return z.json();
  }
}

/** The zod schema of a field: its kind, null allowed when it is, described as its column. */
export function fieldSchema<T>(field: Field<T>): z.ZodType<T, T> {
  let schema = kindSchema(field);
  if (field.isNullable) schema = schema.nullable();
  if (field.description !== undefined) schema = schema.describe(field.description);
  return schema as z.ZodType<T, T>;
}

/** The zod shape of a record's columns. */
export type SchemaShape<S extends Shape> = {
  [K in keyof S]: z.ZodType<S[K]["value"], S[K]["value"]>;
};

/** The zod object of a record: its columns, in the table's order. */
export function recordSchema<S extends Shape>(
  record: RecordDefinition<S>,
): z.ZodObject<SchemaShape<S>> {
  const shape = Object.fromEntries(
    Object.entries(record.shape).map(([column, field]) => [column, fieldSchema(field)]),
  );
  return z.object(shape) as unknown as z.ZodObject<SchemaShape<S>>;
}

export const rowId = fieldSchema(fields.rowId);
export const chainHash = fieldSchema(fields.chainHash);
export const timestamp = fieldSchema(fields.timestamp);
export const color = fieldSchema(fields.color);
export const state = fieldSchema(fields.state);
export const eventType = fieldSchema(fields.eventType);
export const deploymentStatus = fieldSchema(fields.deploymentStatus);
export const jsonValue = fieldSchema(fields.jsonValue);

export const adoptionLogRow = recordSchema(adoptionLogDefinition);
export const configRecord = recordSchema(configDefinition);
export const configSummary = recordSchema(configSummaryDefinition);
export const currentStateRow = recordSchema(currentStateRowDefinition);
export const currentStateRecord = recordSchema(currentStateRecordDefinition);
export const deploymentRow = recordSchema(deploymentRowDefinition);
export const deploymentRecord = recordSchema(deploymentRecordDefinition);
export const eventRecord = recordSchema(eventDefinition);
