/** The field types records share, each spelled once: ids, times, colors, states and statuses. */
import { type Color, COLORS } from "../color.ts";
import {
  DEPLOYMENT_STATUSES,
  type DeploymentStatus,
  EVENTS,
  type EventType,
  type State,
  STATES,
} from "../lifecycle.ts";
import { Field } from "./record.ts";

/** A value JSON can carry (a payload, stored as JSON text and read back parsed). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export const text = new Field<string>("text");

/** A row id: a positive integer within the safe range (its schema, records/schemas.ts, refuses more). */
export const rowId = new Field<number>("row_id");

/** A link of the events' hash chain: lower-case hex SHA-256 (checked by its schema). */
export const chainHash = new Field<string>("chain_hash", "Lower-case hex SHA-256");

export const timestamp = new Field<string>("timestamp", "UTC ISO-8601 with milliseconds");

export const color = new Field<Color>("enum", "Deployment color", COLORS);
export const state = new Field<State>("enum", "State-machine state", STATES);
export const eventType = new Field<EventType>("enum", "State-machine event", EVENTS);
export const deploymentStatus = new Field<DeploymentStatus>(
  "enum",
  "Deployment status",
  DEPLOYMENT_STATUSES,
);

/** Any JSON value (a payload, stored as JSON text and read back parsed). */
export const jsonValue = new Field<JsonValue>("json");
