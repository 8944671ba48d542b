/**
 * The central (PostgreSQL) schema `dockswap-db sync` creates and migrates, embedded as text like
 * the local migrations: forward only, versioned, checksummed in the central history table.
 */
import fleet from "./0001_fleet.sql" with { type: "text" };
import eventChain from "./0002_event_chain.sql" with { type: "text" };
import type { Migration } from "../mod.ts";

/** All central migrations this binary knows, ascending by version. */
export const CENTRAL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "0001_fleet.sql",
    sql: fleet,
    checksum: "dc5eb2e7a3a05bee0bb3171d74696be06c97fef4d0b6f69cacc3690c6515b992",
  },
  {
    version: 2,
    name: "0002_event_chain.sql",
    sql: eventChain,
    checksum: "9fbd159f7ce201fe0eb513ebe0f09b465c6f780d55a6789e259a98b727232792",
  },
];
