import * as z from "zod";
import { MAX_DURATION_MS } from "../duration.ts";
import { applyPrune, planPrune } from "../store/prune.ts";
import { defineOperation } from "./operation.ts";
import { appName, presenceOf, rowId } from "./schemas.ts";

const prunedRow = z.object({ id: rowId, app_name: z.string(), time: z.string() });

export const prune = defineOperation({
  name: "db.prune",
  summary:
    "Delete old deployments (with their events) and unused config versions; a dry run unless dry_run is false",
  access: "write",
  params: z.strictObject({
    keep_last: z.number().int().positive().max(1_000_000).optional()
      .describe("Keep this many newest deployments and config versions of each app"),
    older_than_ms: z.number().int().positive().max(MAX_DURATION_MS).optional()
      .describe("Only rows older than this many milliseconds go"),
    app_name: appName.optional(),
    dry_run: z.boolean().default(true).describe("Report what would go without deleting"),
  }).refine((p) => p.keep_last !== undefined || p.older_than_ms !== undefined, {
    message: "give keep_last or older_than_ms (or both)",
  }).meta({
    // The refinement above, in JSON Schema for rpc.discover.
    anyOf: [presenceOf("keep_last"), presenceOf("older_than_ms")],
    description: "keep_last or older_than_ms (or both)",
  }),
  result: z.object({
    dry_run: z.boolean(),
    cutoff: z.string().nullable(),
    deployments: z.array(prunedRow),
    events: z.number().int(),
    configs: z.array(prunedRow),
    kept_as_rollback_target: z.array(rowId),
  }),
  readsOnly: (params) => params.dry_run,
  run(context, params) {
    const cutoff = params.older_than_ms === undefined
      ? undefined
      : new Date(Date.parse(context.now()) - params.older_than_ms).toISOString();
    const plan = planPrune(context.db, {
      keepLast: params.keep_last,
      cutoff,
      app: params.app_name,
    });
    const events = params.dry_run ? plan.events : applyPrune(context.db, plan).events;
    return {
      dry_run: params.dry_run,
      cutoff: cutoff ?? null,
      deployments: plan.deployments,
      events,
      configs: plan.configs,
      kept_as_rollback_target: plan.keptAsRollbackTarget,
    };
  },
});
