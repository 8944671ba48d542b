/**
 * The central (PostgreSQL) schema `dockswap-db sync` creates and migrates, embedded as text like
 * the local migrations: forward only, versioned, checksummed in the central history table.
 */
import fleet from "./0001_fleet.sql" with { type: "text" };
import eventChain from "./0002_event_chain.sql" with { type: "text" };
import type { Migration } from "../mod.ts";

/** All central migrations this binary knows, ascending by version. */
export const CENTRAL_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_fleet.sql", sql: fleet },
  { version: 2, name: "0002_event_chain.sql", sql: eventChain },
];
