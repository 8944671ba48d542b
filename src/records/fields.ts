/** The field types records share, each spelled once: ids, times, colors, states and statuses. */
import * as z from "zod";
import { COLORS } from "../color.ts";
import { DEPLOYMENT_STATUSES, EVENTS, STATES } from "../lifecycle.ts";

/** A row id: a positive integer within the safe range (huge numbers are refused, not rounded). */
export const rowId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A link of the events' hash chain: lower-case hex SHA-256. */
export const chainHash = z.string().regex(/^[0-9a-f]{64}$/).describe("Lower-case hex SHA-256");

export const timestamp = z.string().describe("UTC ISO-8601 with milliseconds");

export const color = z.enum(COLORS).describe("Deployment color");
export const state = z.enum(STATES).describe("State-machine state");
export const eventType = z.enum(EVENTS).describe("State-machine event");
export const deploymentStatus = z.enum(DEPLOYMENT_STATUSES).describe("Deployment status");

/** Any JSON value (a payload, stored as JSON text and read back parsed). */
export const jsonValue = z.json();

/** A value JSON can carry. */
export type JsonValue = z.infer<typeof jsonValue>;
