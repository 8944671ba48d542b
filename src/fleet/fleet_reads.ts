/**
 * What `fleet status|history|hosts` read from the central schema, through its views: plain rows
 * whose keys are column names, times as UTC ISO-8601 text with milliseconds (as locally).
 */
import { notFound } from "../errors.ts";
import type { Central, CentralRow } from "./central.ts";

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${
    column.replace(/^\w+\./, "")
  }`;

/** Rows with bigint-as-number columns made numbers again. */
function numbers(rows: CentralRow[], columns: string[]): CentralRow[] {
  return rows.map((row) => {
    const copy = { ...row };
    for (const column of columns) {
      if (copy[column] !== null && copy[column] !== undefined) copy[column] = Number(copy[column]);
    }
    return copy;
  });
}

/** A host filter matching a host's name or its id. */
const HOST_MATCH = "($HOST::text IS NULL OR host_name = $HOST OR host_id::text = $HOST)";

/** Current state of every app on every host (or of one app, one host). */
export async function fleetStatus(
  central: Central,
  filter: { app?: string; host?: string; image?: string },
): Promise<CentralRow[]> {
  const rows = await central.query(
    `SELECT host_name, app_name, status, active_color, image, deployment_id,
            ${iso("updated_at")}, ${iso("last_sync_at")}, host_id::text AS host_id
     FROM fleet_current_state
     WHERE ($1::text IS NULL OR app_name = $1) AND ${HOST_MATCH.replaceAll("$HOST", "$2")}
       AND ($3::text IS NULL OR image = $3)
     ORDER BY app_name, host_name, host_id`,
    [filter.app ?? null, filter.host ?? null, filter.image ?? null],
  );
  return numbers(rows, ["deployment_id"]);
}

/** Deployments of an app across the fleet (or on one host), newest first. */
export async function fleetHistory(
  central: Central,
  app: string,
  filter: { host?: string; limit?: number },
): Promise<CentralRow[]> {
  const rows = await central.query(
    `SELECT host_name, deployment_id, image, status, active_color, ${iso("started_at")},
            ${iso("ended_at")}, rollback_of, config_sha, host_id::text AS host_id
     FROM fleet_deployments
     WHERE app_name = $1 AND ${HOST_MATCH.replaceAll("$HOST", "$2")}
     ORDER BY started_at DESC, host_name, deployment_id DESC
     LIMIT $3`,
    [app, filter.host ?? null, filter.limit ?? null],
  );
  if (rows.length === 0) {
    throw notFound(
      `No deployment of app ${app}${
        filter.host ? ` on host ${filter.host}` : ""
      } in the fleet (as of each host's last sync)`,
    );
  }
  return numbers(rows, ["deployment_id", "rollback_of"]);
}

/** Every host that has synced, by name. */
export async function fleetHosts(central: Central): Promise<CentralRow[]> {
  const rows = await central.query(
    `SELECT h.name AS host_name, h.id::text AS host_id, ${iso("h.first_sync_at")},
            ${iso("h.last_sync_at")}, h.tool_version, h.schema_version,
            (SELECT count(*) FROM current_state s WHERE s.host_id = h.id) AS apps
     FROM hosts h ORDER BY h.name, h.id`,
  );
  return numbers(rows, ["apps", "schema_version"]);
}
