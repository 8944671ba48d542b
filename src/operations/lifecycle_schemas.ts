import { z } from "zod";
import { EVENTS, START_EVENT, STATES } from "../lifecycle.ts";
import { DEPLOYMENT_STATUSES } from "../store/deployments.ts";
import { rowId, timestamp } from "./schemas.ts";

/** Parameter and record schemas of the deployment lifecycle operations. */

export const color = z.enum(["blue", "green"]).describe("Deployment color");
export const state = z.enum(STATES).describe("State-machine state");
export const eventType = z.enum(EVENTS).describe("State-machine event");

/** The events `deploy.event` records: all but the start event, which starting a deployment records. */
export const recordableEvents = EVENTS.filter((event) => event !== START_EVENT) as [
  typeof EVENTS[number],
  ...typeof EVENTS[number][],
];

export const recordableEventType = z.enum(recordableEvents, {
  error: (issue) =>
    issue.input === START_EVENT
      ? `${START_EVENT} is recorded only by starting a deployment (deploy start or rollback)`
      : undefined,
}).describe(`State-machine event (${START_EVENT} is recorded by deploy.start and deploy.rollback)`);
export const deploymentStatus = z.enum(DEPLOYMENT_STATUSES).describe("Deployment status");

/** A Docker image reference: no whitespace, at most 512 characters. */
// deno-lint-ignore no-control-regex -- U+0000 is the character refused
export const image = z.string().min(1).max(512).regex(/^[^\s\u0000]+$/, {
  message: "must be a Docker image reference without spaces",
}).describe("Docker image, e.g. registry.example.com/web-api:1.4.2");

export const deploymentRecord = z.object({
  id: rowId,
  app_name: z.string(),
  config_id: rowId.nullable(),
  image: z.string(),
  started_at: timestamp,
  ended_at: timestamp.nullable(),
  status: deploymentStatus,
  active_color: color.describe("The color this deployment brings up"),
  rollback_of: rowId.nullable().describe("The deployment this one rolls back to"),
});

export const eventRecord = z.object({
  id: rowId,
  deployment_id: rowId,
  app_name: z.string(),
  event_type: eventType,
  from_state: state,
  to_state: state,
  payload: z.json().describe("The event's JSON payload, parsed; null when none"),
  error: z.string().nullable(),
  created_at: timestamp,
});

export const currentStateRecord = z.object({
  app_name: z.string(),
  deployment_id: rowId.describe("The in-flight or last deployment"),
  active_color: color.nullable().describe("Color serving traffic; null before any traffic move"),
  image: z.string().nullable().describe("Image serving traffic; null before any traffic move"),
  status: state,
  updated_at: timestamp,
});
