import type { Command } from "commander";
import type { BrokenLink, VerifyResult } from "../../operations/verify.ts";
import { defineCommand } from "../command_spec.ts";
import { EXIT_VERIFY_BROKEN } from "../exit_status.ts";
import type { CommandRunner } from "../runner.ts";

export const VERIFY_COMMAND = defineCommand({
  words: ["verify"],
  method: "db.verify",
  params: {},
});

/** `verify`: the hash chains and config hashes; exit 1 when a link is broken. */
export function registerVerifyCommand(program: Command, runner: CommandRunner): void {
  program.command("verify")
    .description(
      "Check that no recorded event or config was edited, deleted or reordered; exit 1 when " +
        "one was",
    )
    .addHelpText(
      "after",
      `
Each event's hash chains it to the previous event of its deployment; each deployment keeps
its last event's hash; each config's config_sha is the SHA-256 of its YAML. verify recomputes
them all and reports the first broken link per deployment, with the hash expected (from the
rows as recorded) and the hash found. The chain proves integrity from migration 0007 (when the
file got it) on, not before; whoever can write the file can also recompute every hash, so keep
exports elsewhere to compare. Changes nothing. Algorithm: docs/monitoring.md (verify).
Examples:
  dockswap-db verify
  dockswap-db --format ndjson verify | jq -r .detail`,
    )
    .action(async (_options, command: Command) => {
      const { dbVerify } = await import("../../operations/verify.ts");
      const result = await runner.invoke(command, VERIFY_COMMAND, dbVerify, {}, {
        rows: (r) => r.broken,
        table: verifyText,
      });
      if (!result.ok) runner.exitCode = EXIT_VERIFY_BROKEN;
    });
}

function where(link: BrokenLink): string {
  if (link.config_id !== null) return `${link.app_name} config ${link.config_id}`;
  const event = link.event_id === null ? "" : `, event ${link.event_id}`;
  return `${link.app_name} deployment ${link.deployment_id}${event}`;
}

/** For people: a line of totals, then each broken link with its hashes whole. */
function verifyText(result: VerifyResult): string {
  const adopted = result.configs_adopted === 0
    ? ""
    : ` (${result.configs_adopted} adopted from the Go dockswap keep its hash, not checked)`;
  const totals = `${result.events_checked} event(s) in ${result.deployments_checked} ` +
    `deployment(s), ${result.configs_checked} config(s)${adopted}`;
  if (result.ok) return `ok: every link holds: ${totals}\n`;
  const links = result.broken.map((link) =>
    `${where(link)}: ${link.problem}\n  ${link.detail}\n` +
    `  expected ${link.expected ?? "(none)"}\n  found    ${link.found ?? "(none)"}\n`
  );
  return `broken: ${result.broken.length} link(s); checked ${totals}\n${links.join("")}`;
}
