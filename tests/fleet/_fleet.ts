/**
 * What the fleet tests share: running `sync` against a test server, and comparing what the
 * server holds (read with psql) with the local file (read with node:sqlite), table by table.
 */
import { assertEquals } from "../_assert.ts";
import { cli, type CliResult, createDatabase } from "../_cli.ts";
import { query } from "../_db.ts";
import { addHistory, type HistoryPlan } from "../_history.ts";
import type { PostgresServer } from "./_postgres.ts";

/** Runs `dockswap-db --db DB sync` with $DOCKSWAP_SYNC_URL set to `url`. */
export function sync(db: string, url: string, ...args: string[]): Promise<CliResult> {
  return cli(["--db", db, "sync", ...args], { env: { DOCKSWAP_SYNC_URL: url } });
}

/** Like `sync`, with --json; fails loudly unless it succeeds. */
export async function syncJson(
  db: string,
  url: string,
  ...args: string[]
): Promise<Record<string, unknown>> {
  const result = await sync(db, url, "--json", ...args);
  if (result.code !== 0) throw new Error(`sync exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A new migrated database file, holding `history` (tests/_history.ts) when given. */
export async function newHost(path: string, history?: HistoryPlan): Promise<string> {
  await createDatabase(path);
  if (history) addHistory(path, history);
  return path;
}

/** Where a test of one host starts: an empty central database of its own, and the host's file. */
export async function newCentralAndHost(
  pg: PostgresServer,
  path: string,
  history?: HistoryPlan,
): Promise<{ database: string; url: string; db: string }> {
  const database = await pg.createDatabase();
  return { database, url: pg.url(database), db: await newHost(path, history) };
}

/** The host id the file's first sync gave it (read from the file itself). */
export function hostIdOf(db: string): string {
  const [row] = query<{ host_id: string }>(db, "SELECT host_id FROM host_identity");
  if (!row) throw new Error(`${db} has no host identity`);
  return row.host_id;
}

const ISO = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

/** Per table: the local query, and the central one giving the same values (times as text). */
const TABLES: Record<string, { local: string; central: string }> = {
  app_configs: {
    local: "SELECT id, app_name, config_yaml, config_sha, created_at FROM app_configs ORDER BY id",
    central: `SELECT id, app_name, config_yaml, config_sha, ${ISO("created_at")}
              FROM dockswap.app_configs WHERE host_id = $HOST ORDER BY id`,
  },
  deployments: {
    local: `SELECT id, app_name, config_id, image, started_at, ended_at, status, active_color,
                   rollback_of, legacy_status FROM deployments ORDER BY id`,
    central: `SELECT id, app_name, config_id, image, ${ISO("started_at")}, ${ISO("ended_at")},
                     status, active_color, rollback_of, legacy_status
              FROM dockswap.deployments WHERE host_id = $HOST ORDER BY id`,
  },
  deployment_events: {
    local: `SELECT id, deployment_id, app_name, event_type, from_state, to_state, payload, error,
                   created_at FROM deployment_events ORDER BY id`,
    central: `SELECT id, deployment_id, app_name, event_type, from_state, to_state,
                     payload::text AS payload, error, ${ISO("created_at")}
              FROM dockswap.deployment_events WHERE host_id = $HOST ORDER BY id`,
  },
  current_state: {
    local: `SELECT app_name, deployment_id, active_color, image, status, updated_at, legacy_status
            FROM current_state ORDER BY app_name`,
    central: `SELECT app_name, deployment_id, active_color, image, status, ${ISO("updated_at")},
                     legacy_status
              FROM dockswap.current_state WHERE host_id = $HOST ORDER BY app_name`,
  },
};

/** The central rows of one host, table by table, in the local shape. */
export async function centralTables(
  pg: PostgresServer,
  database: string,
  hostId: string,
): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const [table, { central }] of Object.entries(TABLES)) {
    tables[table] = await pg.rows(database, central.replaceAll("$HOST", `'${hostId}'`));
  }
  return tables;
}

/** The local file's rows, table by table. */
export function localTables(db: string): Record<string, unknown[]> {
  const tables: Record<string, unknown[]> = {};
  for (const [table, { local }] of Object.entries(TABLES)) tables[table] = query(db, local);
  return tables;
}

/** Asserts that the server holds exactly the file's rows under its host id. */
export async function assertCentralEqualsLocal(
  pg: PostgresServer,
  database: string,
  db: string,
): Promise<void> {
  assertEquals(await centralTables(pg, database, hostIdOf(db)), localTables(db));
}

/** Row counts of every central table (all hosts). */
export async function centralCounts(
  pg: PostgresServer,
  database: string,
): Promise<Record<string, number>> {
  const [counts] = await pg.rows<Record<string, number>>(
    database,
    `SELECT (SELECT count(*) FROM dockswap.hosts) AS hosts,
            (SELECT count(*) FROM dockswap.app_configs) AS app_configs,
            (SELECT count(*) FROM dockswap.deployments) AS deployments,
            (SELECT count(*) FROM dockswap.deployment_events) AS deployment_events,
            (SELECT count(*) FROM dockswap.current_state) AS current_state`,
  );
  return counts;
}
