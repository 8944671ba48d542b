/**
 * The embedded migrations, in the order they are applied. Each is imported as text so that it
 * travels inside the compiled binary; nothing is read from disk at run time.
 * Forward only: a released file is never edited (its checksum is recorded in every database).
 */
import initial from "./0001_initial.sql" with { type: "text" };
import adoption from "./0002_adoption.sql" with { type: "text" };
import sameAppReferences from "./0003_same_app_references.sql" with { type: "text" };
import checkListsAsOrChains from "./0004_check_lists_as_or_chains.sql" with { type: "text" };
import hostIdentity from "./0005_host_identity.sql" with { type: "text" };
import metricsTotals from "./0006_metrics_totals.sql" with { type: "text" };
import eventChain from "./0007_event_chain.sql" with { type: "text" };

/** One schema change: its version, its name and its SQL. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** All migrations this binary knows, ascending by version. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_initial.sql", sql: initial },
  { version: 2, name: "0002_adoption.sql", sql: adoption },
  { version: 3, name: "0003_same_app_references.sql", sql: sameAppReferences },
  { version: 4, name: "0004_check_lists_as_or_chains.sql", sql: checkListsAsOrChains },
  { version: 5, name: "0005_host_identity.sql", sql: hostIdentity },
  { version: 6, name: "0006_metrics_totals.sql", sql: metricsTotals },
  { version: 7, name: "0007_event_chain.sql", sql: eventChain },
];
