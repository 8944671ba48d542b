import type { Command } from "commander";
import { openForInspection } from "../../db/open.ts";
import { DURATION_HELP } from "../../duration.ts";
import { DockswapError } from "../../errors.ts";
import { nowIso } from "../../time.ts";
import { durationArgument } from "../arguments.ts";
import { defineCommand, optionOf } from "../command_spec.ts";
import { EXIT_DOCTOR_PROBLEMS } from "../exit_status.ts";
import type { CommandRunner } from "../runner.ts";

export const DOCTOR_COMMAND = defineCommand({
  words: ["doctor"],
  method: "db.doctor",
  params: { stuck_after_ms: { option: "--stuck-after <duration>" } },
});

/** `doctor [--stuck-after DURATION]`. */
export function registerDoctorCommand(program: Command, runner: CommandRunner): void {
  program.command("doctor")
    .description("Check the database and report; exit 1 when a check fails")
    .option(
      optionOf(DOCTOR_COMMAND, "stuck_after_ms"),
      `in flight longer than this is stuck (default 1h): ${DURATION_HELP}`,
      durationArgument,
    )
    .addHelpText(
      "after",
      "\nChecks: identity, integrity_check, foreign_key_check, migrations, journal_mode,\n" +
        "wal_size, file_permissions, stuck_deployments, current_state, config_sha,\n" +
        "event_chain (verify's check of the history's hash chains), payload_spacing (export's\n" +
        "trust in stored payloads). Each is ok, warn or fail; only a failure makes the exit\n" +
        "status 1. The file is opened as it is: doctor changes nothing.",
    )
    .action(async (options: { stuckAfter?: number }, command: Command) => {
      const { doctor } = await import("../../operations/doctor.ts");
      const { execute } = await import("../../operations/validation.ts");
      const path = runner.databasePath(command);
      const db = openForInspection(path);
      let result;
      try {
        result = execute(
          { db, now: nowIso, speak: runner.speaker.for(DOCTOR_COMMAND).text },
          doctor,
          { stuck_after_ms: options.stuckAfter },
        );
      } catch (error) {
        // Not even a read transaction: report it as a failed check, the way the others are.
        if (!(error instanceof DockswapError)) throw error;
        result = {
          ok: false,
          checks: [{
            check: "open",
            status: "fail" as const,
            detail: runner.speaker.text(error.words),
            // Only damage calls for the backup; a lock or I/O error says what to do itself.
            hint: error.code === "database_corrupt" ? "restore the latest backup" : null,
          }],
        };
      } finally {
        db.close();
      }
      runner.print(command, result, { rows: (r) => r.checks, wholeColumns: ["hint"] });
      if (!result.ok) runner.exitCode = EXIT_DOCTOR_PROBLEMS;
    });
}
