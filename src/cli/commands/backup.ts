import type { Command } from "commander";
import { DockswapError } from "../../errors.ts";
import { filePath } from "../arguments.ts";
import type { CommandRunner } from "../runner.ts";

/** `backup FILE [--force]`. */
export function registerBackupCommand(program: Command, runner: CommandRunner): void {
  program.command("backup")
    .description("Write a consistent, verified snapshot of the database to FILE (mode 0600)")
    .argument("<file>", "backup file to create", filePath)
    .option("--force", "replace FILE if it exists")
    .addHelpText(
      "after",
      "\nSafe while other processes write: the SQLite online backup API into a temporary\n" +
        "file in FILE's folder, PRAGMA quick_check on the copy, fsync, rename. Example:\n" +
        "  dockswap-db backup /var/backups/dockswap/$(date -u +%Y%m%dT%H%M%SZ).db\n" +
        "(named to the second: a re-run the same day writes a new file, as FILE is never\n" +
        "replaced without --force)",
    )
    .action(async (file: string, options: { force?: boolean }, command: Command) => {
      const { dbBackup } = await import("../../operations/backup.ts");
      let result;
      try {
        result = await runner.invokeAlone(
          command,
          dbBackup,
          { path: file, force: options.force === true },
          { path: "FILE", force: "--force" },
        );
      } catch (error) {
        if (error instanceof DockswapError && error.code === "file_exists") {
          throw new DockswapError(
            "file_exists",
            `Backup file "${file}" already exists; choose another name or pass --force to ` +
              "replace it",
            error.details,
          );
        }
        throw error;
      }
      runner.print(command, result);
      runner.note(`Backed up to ${result.path} (${result.bytes} bytes, quick_check ok)`);
    });
}
