/**
 * Benchmark 7, fleet sync: `dockswap-db sync` of the at-scale dataset (1,000,000 events) into an
 * empty central PostgreSQL, against PostgreSQL's own COPY of the same events from an NDJSON
 * export; its peak memory against a tenth of the rows (with V8's old space capped, and as shipped);
 * and a sync with nothing new on that host against one on a host with 1,000 events. The server
 * is a real one the benchmark starts (tests/fleet/_postgres.ts: Debian's package, a fresh
 * cluster, fsync off for both sides).
 */
import {
  atLeast,
  atMost,
  type BenchOptions,
  type BenchReport,
  formatNumber,
  median,
  reported,
} from "./_harness.ts";
import { dockswapArgs, prepareEntry, runDockswap } from "./_dockswap.ts";
import { AT_SCALE, datasetIn, type DatasetShape } from "./_dataset.ts";
import { type PostgresServer, startPostgres } from "../tests/fleet/_postgres.ts";
import { type MeasuredRun, measureRun } from "./_measured_run.ts";

/**
 * The V8 old-space cap of the capped syncs, in MiB: the smallest the 100,000-event sync runs in
 * (it runs out of 12); a batch of rows is read, encoded and sent within it.
 */
const HEAP_CAP_MIB = 16;

/** A run and the CPU seconds the server's backend for it used. */
type ServedRun = MeasuredRun & { serverCpuS: number };
/** A file name as psql's `\\copy` reads it: single quotes, an inner quote doubled. */
const psqlQuoted = (path: string) => `'${path.replaceAll("'", "''")}'`;

export async function syncToFleet(options: BenchOptions): Promise<BenchReport> {
  const big: DatasetShape = options.quick ? { ...AT_SCALE, apps: 100 } : AT_SCALE;
  const tenth: DatasetShape = { ...big, apps: big.apps / 10 };
  const tiny: DatasetShape = { ...AT_SCALE, apps: 1 };
  const entry = await prepareEntry();
  const large = datasetIn(options.dir, big);
  const small = datasetIn(options.dir, tenth);
  const thousand = datasetIn(options.dir, tiny);
  await using pg = await startPostgres();
  const measure = async (argv: string[], dir: string): Promise<ServedRun> => {
    const before = await pg.childCpuS();
    const run = await measureRun(argv, { dir });
    // The server counts a backend's CPU once it has reaped it, just after the client left.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { ...run, serverCpuS: (await pg.childCpuS()) - before };
  };
  const syncArgs = (db: string, database: string) =>
    dockswapArgs(entry, ["--db", db, "sync", "--to", pg.url(database), "--host-name", database]);
  const sync = (db: string, database: string) =>
    measure([Deno.execPath(), ...syncArgs(db, database)], options.dir);
  // With V8's old space capped, a sync that kept rows (or anything growing with them) would fail
  // or grow; a streamed one needs the same memory for any length.
  const capped = (db: string, database: string) =>
    measure(
      [
        Deno.execPath(),
        "run",
        `--v8-flags=--max-old-space-size=${HEAP_CAP_MIB}`,
        ...syncArgs(db, database).slice(1),
      ],
      options.dir,
    );

  // From scratch: the whole history of the big host (configs, deployments, events, state).
  const fleet = await pg.createDatabase();
  const full = await sync(large.path, fleet);
  // COPY of the same events from an NDJSON export, into a one-column json table.
  const ndjson = `${options.dir}/events.ndjson`;
  await runDockswap(entry, ["--db", large.path, "export", "--table", "events", "--output", ndjson]);
  const copyDatabase = await pg.createDatabase();
  await pg.psql(copyDatabase, "CREATE TABLE events (doc json NOT NULL);");
  const copy = await measure([
    "psql",
    pg.url(copyDatabase),
    "-X",
    "-q",
    "-c",
    // The NDJSON lines whole: no quote or delimiter byte can occur in them.
    `\\copy events (doc) FROM ${
      psqlQuoted(ndjson)
    } WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')`,
  ], options.dir);
  await Deno.remove(ndjson);
  const [copied] = await pg.rows<{ n: number }>(copyDatabase, "SELECT count(*) AS n FROM events");
  if (copied.n !== large.events) throw new Error(`COPY loaded ${copied.n} of ${large.events} rows`);
  const floor = await constrainedCopy(pg, fleet, `${options.dir}/events.csv`, options.dir);

  // Memory: the same sync of a tenth of the rows; then both again from scratch, capped.
  const tenthRun = await sync(small.path, await pg.createDatabase());
  const fullCapped = await capped(large.path, await pg.createDatabase());
  const tenthCapped = await capped(small.path, await pg.createDatabase());

  // Nothing new: the big host (synced above) against a host of 1,000 events, both synced once.
  await sync(thousand.path, fleet);
  const runs = options.quick ? 3 : 7;
  const bigTimes: number[] = [];
  const smallTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    bigTimes.push((await sync(large.path, fleet)).ms);
    smallTimes.push((await sync(thousand.path, fleet)).ms);
  }
  const events = large.events;
  const cpu = (run: ServedRun) =>
    `${run.cpuS.toFixed(1)} client + ${run.serverCpuS.toFixed(1)} server`;
  const oursRate = events / (full.ms / 1000);
  const copyRate = events / (copy.ms / 1000);
  const floorRate = events / (floor.ms / 1000);
  return {
    id: 7,
    title: "Fleet sync",
    method: `\`dockswap-db sync\` (the bundle) of the at-scale host (${formatNumber(events)} ` +
      `events, ${formatNumber(large.deployments)} deployments, their configs and state) into an ` +
      `empty PostgreSQL (a fresh local cluster, fsync off), against \`psql \\copy\` of the ` +
      `same events from \`dockswap-db export --table events\` NDJSON into a one-column json ` +
      `table (the target's baseline); as a report, the engine's own floor: \`psql \\copy\` ` +
      `of the same events as CSV into a table defined as the central deployment_events (its ` +
      `CHECKs, indexes and foreign key, the parents loaded by the sync); peak RSS (/usr/bin/time) of the sync against the same sync of ` +
      `${formatNumber(small.events)} events, each from scratch, once with V8's old space capped ` +
      `at ${HEAP_CAP_MIB} MiB (flat means streamed: nothing grows with the rows) and once as ` +
      `shipped (uncapped, V8 lets garbage pile up between full collections for longer the ` +
      `longer the process runs, so that peak follows the run's length, not the rows held); a ` +
      `sync with nothing new on the big host against one ` +
      `on a host of ${formatNumber(thousand.events)} events (median of ${runs} alternated runs, ` +
      `each a whole process).`,
    figures: [
      atLeast({
        label: `sync ${formatNumber(events)} events from scratch`,
        ours: oursRate,
        baseline: copyRate,
        unit: "rows/s",
        ratio: oursRate / copyRate,
        ratioMeaning: "ours/COPY rows per second",
      }, 0.5),
      reported({
        label: `PostgreSQL's own COPY of the same events into deployment_events' rules`,
        ours: floorRate,
        baseline: copyRate,
        unit: "rows/s",
        ratio: floorRate / copyRate,
        ratioMeaning: "constrained/json COPY rows per second",
      }),
      atMost({
        label: `max RSS, V8 old space capped at ${HEAP_CAP_MIB} MiB, ${formatNumber(events)} vs ${
          formatNumber(small.events)
        } events`,
        ours: fullCapped.maxRssMiB,
        baseline: tenthCapped.maxRssMiB,
        unit: "MiB",
        ratio: fullCapped.maxRssMiB / tenthCapped.maxRssMiB,
        ratioMeaning: "big/small",
      }, 1.3),
      reported({
        label: `max RSS, uncapped, ${formatNumber(events)} vs ${formatNumber(small.events)} events`,
        ours: full.maxRssMiB,
        baseline: tenthRun.maxRssMiB,
        unit: "MiB",
        ratio: full.maxRssMiB / tenthRun.maxRssMiB,
        ratioMeaning: "big/small",
      }),
      atMost({
        label: `no-change sync, ${formatNumber(events)} vs ${formatNumber(thousand.events)} events`,
        ours: median(bigTimes),
        baseline: median(smallTimes),
        unit: "ms",
        ratio: median(bigTimes) / median(smallTimes),
        ratioMeaning: "big/small time",
      }, 1.2),
    ],
    details: [
      `From scratch: ours ${(full.ms / 1000).toFixed(1)} s for everything (events alone are ` +
      `${formatNumber(events)} of the rows), COPY ${(copy.ms / 1000).toFixed(1)} s. CPU seconds ` +
      `(user + system; the machine is shared, so wall times follow its load): sync ${cpu(full)}, ` +
      `COPY (psql) ${cpu(copy)}; COPY into deployment_events' rules ` +
      `${(floor.ms / 1000).toFixed(1)} s, ${cpu(floor)}; sync of ${
        formatNumber(small.events)
      } events ${cpu(tenthRun)}. ` +
      `Capped syncs (from scratch): ${(fullCapped.ms / 1000).toFixed(1)} s, ${cpu(fullCapped)} (${
        formatNumber(events)
      } events); ${(tenthCapped.ms / 1000).toFixed(1)} s, ${cpu(tenthCapped)} (${
        formatNumber(small.events)
      }). No-change ` +
      `runs: big ${bigTimes.map((t) => t.toFixed(0)).join(", ")} ms; small ${
        smallTimes.map((t) => t.toFixed(0)).join(", ")
      } ms.`,
    ],
  };
}

/**
 * What PostgreSQL itself pays for the central rules: `psql \\copy` of the events the sync sent
 * (exported by the server as CSV) into a new table with deployment_events' definition (its
 * CHECKs and indexes, and its foreign key to the deployments the sync loaded), dropped after.
 */
async function constrainedCopy(
  pg: PostgresServer,
  database: string,
  csv: string,
  dir: string,
): Promise<ServedRun> {
  const columns = "host_id, id, deployment_id, app_name, event_type, from_state, to_state, " +
    "payload, error, created_at, hash";
  await pg.psql(
    database,
    `\\copy (SELECT ${columns} FROM dockswap.deployment_events ORDER BY host_id, id) ` +
      `TO ${psqlQuoted(csv)} WITH (FORMAT csv)
     CREATE TABLE dockswap.floor_events (LIKE dockswap.deployment_events INCLUDING ALL,
       FOREIGN KEY (host_id, deployment_id, app_name)
         REFERENCES dockswap.deployments (host_id, id, app_name));`,
  );
  const before = await pg.childCpuS();
  const run = await measureRun([
    "psql",
    pg.url(database),
    "-X",
    "-q",
    "-c",
    `\\copy dockswap.floor_events (${columns}) FROM ${psqlQuoted(csv)} WITH (FORMAT csv)`,
  ], { dir });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const served = { ...run, serverCpuS: (await pg.childCpuS()) - before };
  await pg.psql(database, "DROP TABLE dockswap.floor_events;");
  await Deno.remove(csv);
  return served;
}
