import { z } from "zod";
import { APP_NAME_RULE, isValidAppName } from "../app_name.ts";

/** Shared parameter and record schemas, so every operation spells a concept the same way. */

export const appName = z.string().refine(isValidAppName, { message: `must be ${APP_NAME_RULE}` })
  .describe("App name");

/** A row id: a positive integer within the safe range (huge numbers are refused, not rounded). */
export const rowId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const limit = z.number().int().positive().max(1_000_000).describe("Most rows to return");

export const timestamp = z.string().describe("UTC ISO-8601 with milliseconds");

export const configSummary = z.object({
  id: rowId,
  app_name: z.string(),
  config_sha: z.string().describe("SHA-256 of the raw YAML bytes, hex"),
  created_at: timestamp,
});

export const configRecord = configSummary.extend({ config_yaml: z.string() });
