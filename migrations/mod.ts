/**
 * The embedded migrations, in the order they are applied. Each is imported as text so that it
 * travels inside the compiled binary; nothing is read from disk at run time.
 * Forward only: a released file is never edited (its checksum is recorded in every database),
 * except to let it run where its released text failed and changed nothing. Databases then go on
 * recording the released text's checksum (`releasedChecksum`), so that every build, older ones
 * too, agrees on them: wherever the released text ran, the corrected one does the same.
 * Each checksum is written here, not computed at start (hashing needs node:crypto, which costs
 * every command Deno's Node layer); tests/cli/migrations_test.ts holds them to the files.
 */
import initial from "./0001_initial.sql" with { type: "text" };
import adoption from "./0002_adoption.sql" with { type: "text" };
import sameAppReferences from "./0003_same_app_references.sql" with { type: "text" };
import checkListsAsOrChains from "./0004_check_lists_as_or_chains.sql" with { type: "text" };
import hostIdentity from "./0005_host_identity.sql" with { type: "text" };
import metricsTotals from "./0006_metrics_totals.sql" with { type: "text" };
import eventChain from "./0007_event_chain.sql" with { type: "text" };
import payloadSpacing from "./0008_payload_spacing.sql" with { type: "text" };

/** One schema change: its version, its name, its SQL and the `migrationChecksum` of the SQL. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
  /** For a file corrected after release: its released text's, the checksum databases record. */
  readonly releasedChecksum?: string;
}

/** All migrations this binary knows, ascending by version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "0001_initial.sql",
    sql: initial,
    checksum: "2b1067aada459ac621a275cb6b7ccd9440b98dd3d37e39114e2b386a711bc9f6",
  },
  {
    version: 2,
    name: "0002_adoption.sql",
    sql: adoption,
    checksum: "5550c446ed3fbf11e540f8e24f364fd2ddcf6dba6dafcf11a3470a8695594e12",
  },
  {
    version: 3,
    name: "0003_same_app_references.sql",
    sql: sameAppReferences,
    checksum: "957f4588c422654ea65dc7de1162e99c11931aacde42d7e94086ee43fb49c8b9",
  },
  {
    version: 4,
    name: "0004_check_lists_as_or_chains.sql",
    sql: checkListsAsOrChains,
    checksum: "85a376603e5ff94a8d1d56f6269478559dd2c2027f668f3bf4980c07335b1f22",
  },
  {
    version: 5,
    name: "0005_host_identity.sql",
    sql: hostIdentity,
    checksum: "d20d9ba3223f3ac89e2c70b763ffe3af63617ea2c6c108bff8d788582b3f99b1",
  },
  {
    version: 6,
    name: "0006_metrics_totals.sql",
    sql: metricsTotals,
    checksum: "36e1f96cd6ff7124ef980bc351d219fb2632b14def55e0a3af14fb6b7972fb5d",
  },
  {
    version: 7,
    name: "0007_event_chain.sql",
    sql: eventChain,
    checksum: "4950268355aefdd2fa16fb91cc0930b0cdebd3ade515889cd320e33a5490114c",
  },
  {
    version: 8,
    name: "0008_payload_spacing.sql",
    sql: payloadSpacing,
    checksum: "35d08d5771deb1f090148f00fe895416dc5a139231d7defcebaf1b6c56fc8c59",
    // The released text failed (and rolled back) on a payload nested past 1,000 levels.
    releasedChecksum: "2292986359642b8f1e80dfa3e3308c686be7b212f347ea4d315f10a49dbbc665",
  },
];
