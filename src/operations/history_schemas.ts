/**
 * The schemas of the history reads (history.ts), and each read complete with them: what the RPC
 * server serves and every validating caller uses.
 */
import * as z from "zod";
import {
  currentStateRecord,
  deploymentRecord,
  deploymentStatus,
  eventRecord,
  state,
} from "../records/schemas.ts";
import { withSchemas } from "./operation.ts";
import { appName, limit, rowId, timestamp } from "./schemas.ts";
import { deployGet, deployHistory, eventsList, stateGet, stateList } from "./history.ts";

const stateSpan = z.object({
  state,
  entered_at: timestamp,
  left_at: timestamp.nullable().describe("Null while the deployment is still in this state"),
  duration_ms: z.number().nullable().describe("Null while the deployment is still in this state"),
});

/** A state a deployment was in, and for how long. */
export type StateSpan = z.infer<typeof stateSpan>;

export const STATE_GET = {
  params: z.strictObject({ app_name: appName }),
  result: currentStateRecord,
};

export const STATE_LIST = {
  params: z.strictObject({}),
  result: z.array(currentStateRecord),
};

export const DEPLOY_HISTORY = {
  params: z.strictObject({
    app_name: appName,
    limit: limit.optional(),
    status: deploymentStatus.optional(),
  }),
  result: z.array(deploymentRecord),
};

export const EVENTS_LIST = {
  params: z.strictObject({ deployment_id: rowId }),
  result: z.array(eventRecord),
};

export const DEPLOY_GET = {
  params: z.strictObject({ deployment_id: rowId }),
  result: z.object({
    deployment: deploymentRecord.extend({ config_sha: z.string().nullable() }),
    events: z.array(eventRecord),
    states: z.array(stateSpan),
  }),
};

export const stateGetOperation = withSchemas(stateGet, STATE_GET);
export const stateListOperation = withSchemas(stateList, STATE_LIST);
export const deployHistoryOperation = withSchemas(deployHistory, DEPLOY_HISTORY);
export const eventsListOperation = withSchemas(eventsList, EVENTS_LIST);
export const deployGetOperation = withSchemas(deployGet, DEPLOY_GET);
