import * as z from "zod";
import { MIGRATIONS } from "../../migrations/mod.ts";
import { migrationStatus } from "../db/migrate.ts";
import { defineOperation } from "./operation.ts";

export const migrateStatus = defineOperation({
  name: "migrate.status",
  summary: "Embedded migrations and whether each is applied to this database",
  access: "read",
  params: z.strictObject({}),
  result: z.array(z.object({
    version: z.number().int(),
    name: z.string(),
    checksum: z.string(),
    state: z.enum(["applied", "pending"]),
    applied_at: z.string().nullable(),
    duration_ms: z.number().nullable(),
  })),
  run(context) {
    return migrationStatus(context.db, MIGRATIONS);
  },
});
