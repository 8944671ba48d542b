import type { Command } from "commander";
import { defineCommand } from "../command_spec.ts";
import type { CommandRunner } from "../runner.ts";
import { migrationsTable } from "../views.ts";

export const MIGRATE_STATUS_COMMAND = defineCommand({
  words: ["migrate", "status"],
  method: "migrate.status",
  params: {},
});

/** `migrate status`. Migrations themselves apply automatically when a command opens the database. */
export function registerMigrateCommands(program: Command, runner: CommandRunner): void {
  const migrate = program.command("migrate").description(
    "Inspect schema migrations (they apply automatically on open)",
  );
  migrate.command("status")
    .description("List embedded migrations, applied and pending")
    .action(async (_options, command: Command) => {
      const { migrateStatus } = await import("../../operations/migrations.ts");
      const { execute } = await import("../../operations/validation.ts");
      // Opened without applying, so that pending migrations show as pending.
      const result = runner.withDatabase(
        command,
        (context) => execute(context, migrateStatus, {}),
        { applyMigrations: false, create: false },
      );
      runner.print(command, result, { table: migrationsTable });
    });
}
