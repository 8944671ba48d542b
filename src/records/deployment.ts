/** One deployment attempt: the `deployments` table. */
import { columnsOf, defineRecord, type RecordValue } from "./record.ts";
import { chainHash, color, deploymentStatus, rowId, text, timestamp } from "./fields.ts";

/** A deployment as stored: every column. */
export const deploymentRow = defineRecord({
  id: rowId,
  app_name: text,
  config_id: rowId.nullable(),
  image: text,
  started_at: timestamp,
  ended_at: timestamp.nullable(),
  status: deploymentStatus,
  active_color: color.describe("The color this deployment brings up"),
  rollback_of: rowId.nullable().describe("The deployment this one rolls back to"),
  legacy_status: text.nullable()
    .describe("The Go dockswap's status word of an adopted row; null for rows this tool wrote"),
  chain_head: chainHash.nullable()
    .describe("The hash of the deployment's last event (its chain's head); null before its first"),
});

/**
 * A deployment as reads return it (history, show, the results of deploy commands): every column
 * but the Go word of adopted rows and the chain's head, which export and the adoption carry and
 * reads never did (each event carries its own hash).
 */
export const deploymentRecord = deploymentRow.omit({ legacy_status: true, chain_head: true });

export type DeploymentRow = RecordValue<typeof deploymentRow>;
export type DeploymentRecord = RecordValue<typeof deploymentRecord>;

export const DEPLOYMENT_COLUMNS = columnsOf(deploymentRow);
export const DEPLOYMENT_RECORD_COLUMNS = columnsOf(deploymentRecord);
