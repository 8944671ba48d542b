import type { Command } from "commander";
import { positiveInteger } from "../arguments.ts";
import type { CommandRunner } from "../runner.ts";
import { centralTarget, SERVER_HELP, type ServerOptions, withCentral } from "./central_options.ts";

interface FleetOptions extends ServerOptions {
  from?: string;
  host?: string;
}

const STATUS_COLUMNS = [
  "host_name",
  "app_name",
  "status",
  "active_color",
  "image",
  "deployment_id",
  "updated_at",
  "last_sync_at",
  "host_id",
];
const HISTORY_COLUMNS = [
  "host_name",
  "deployment_id",
  "image",
  "status",
  "active_color",
  "started_at",
  "ended_at",
  "rollback_of",
  "config_sha",
  "host_id",
];
const HOSTS_COLUMNS = [
  "host_name",
  "host_id",
  "first_sync_at",
  "last_sync_at",
  "tool_version",
  "schema_version",
  "apps",
];

/** Options every fleet command takes: which server, which schema. */
function serverOptions(command: Command): Command {
  return command
    .option("--from <url>", "the fleet's PostgreSQL (default: $DOCKSWAP_SYNC_URL)")
    .option("--schema <name>", "schema of the fleet tables (default: dockswap)");
}

/** `fleet status|history|hosts`: every host's history, read from the central PostgreSQL. */
export function registerFleetCommands(program: Command, runner: CommandRunner): void {
  const fleet = program.command("fleet")
    .description("Read every host's history from the fleet's central PostgreSQL (see sync)")
    .addHelpText(
      "after",
      "\nEach host's rows are as of its last sync (last_sync_at). Reads only; needs SELECT on\n" +
        `the schema's tables.${SERVER_HELP}`,
    );

  serverOptions(
    fleet.command("status")
      .description("Current state of each app on each host, by app then host")
      .argument("[app]", "only this app")
      .option("--host <host>", "only this host (name or id)")
      .option("--image <image>", "only apps running this image")
      .addHelpText(
        "after",
        "\nExample: which hosts run an image right now\n" +
          "  dockswap-db fleet status --image registry.local/web-api:1.4.2",
      ),
  ).action(async (app: string | undefined, options: FleetOptions & { image?: string }, command) => {
    const target = await centralTarget(runner, options.from, options.schema, "--from");
    const { fleetStatus } = await import("../../fleet/fleet_reads.ts");
    const rows = await withCentral(target, async (central) => {
      await requireSchema(central);
      return await fleetStatus(central, { app, host: options.host, image: options.image });
    });
    runner.print(command, rows, { columns: STATUS_COLUMNS });
  });

  serverOptions(
    fleet.command("history")
      .description("Deployments of an app on every host (or one), newest first")
      .argument("<app>", "app name")
      .option("--host <host>", "only this host (name or id)")
      .option("--limit <n>", "at most n deployments", positiveInteger)
      .addHelpText(
        "after",
        "\nExample:\n  dockswap-db fleet history web-api --host web-1 --limit 20",
      ),
  ).action(async (app: string, options: FleetOptions & { limit?: number }, command) => {
    const target = await centralTarget(runner, options.from, options.schema, "--from");
    const { fleetHistory } = await import("../../fleet/fleet_reads.ts");
    const rows = await withCentral(target, async (central) => {
      await requireSchema(central);
      return await fleetHistory(central, app, { host: options.host, limit: options.limit });
    });
    runner.print(command, rows, { columns: HISTORY_COLUMNS });
  });

  serverOptions(
    fleet.command("hosts")
      .description("Every host that has synced: name, id, last sync, versions, apps"),
  ).action(async (options: FleetOptions, command) => {
    const target = await centralTarget(runner, options.from, options.schema, "--from");
    const { fleetHosts } = await import("../../fleet/fleet_reads.ts");
    const rows = await withCentral(target, async (central) => {
      await requireSchema(central);
      return await fleetHosts(central);
    });
    runner.print(command, rows, { columns: HOSTS_COLUMNS });
  });
}

async function requireSchema(central: Parameters<Parameters<typeof withCentral>[1]>[0]) {
  const { requireCentralSchema } = await import("../../fleet/central_schema.ts");
  await requireCentralSchema(central);
}
