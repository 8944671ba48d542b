/**
 * `sync`: sends a host's new history to the central PostgreSQL. Each batch of rows (a COPY, and
 * an upsert when the server may hold some of them) and the host's high-water mark are one
 * transaction, so a sync killed at any moment leaves the central copy consistent, and the next
 * one resumes after the last committed batch. Rows are read from the local file a page at a time
 * (constant memory: at most the batch being written and the one being read; no long read
 * transaction: writers go on).
 * One sync per host at a time: a second waits for the first's session lock.
 */
import type { Database } from "../db/database.ts";
import { SCHEMA_VERSION } from "../db/identity.ts";
import { DockswapError } from "../errors.ts";
import { readHostIdentity, writeHostIdentity } from "../store/host_identity.ts";
import {
  countAfter,
  currentStateRows,
  missingIds,
  rowsAfter,
  rowsByIds,
  SYNC_COLUMNS,
  type SyncBounds,
  syncBounds,
  SYNCED_TABLES,
  type SyncedTable,
} from "../store/sync_source.ts";
import type { Central, CentralValue } from "./central.ts";
import {
  columnArrays,
  copyIntoTableSql,
  copyRows,
  copySql,
  createStagingSql,
  localShapeColumns,
  straightCopyAllowedSql,
  upsertFromStagingSql,
  upsertSql,
} from "./central_rows.ts";
import { LOCK_CLASS, migrateCentral } from "./central_schema.ts";
import { claimIdentity, type IdentityChoice } from "./host_claim.ts";
import { machineHostName, placeOf } from "./machine.ts";

/** A progress display for one table (a bar on a terminal). */
export interface Progress {
  tick(done: number): void;
  done(): void;
}

/** What a sync is asked to do. */
export interface SyncRequest {
  identity: IdentityChoice;
  /** Delete central rows of this host that prune deleted locally. */
  prune: boolean;
  toolVersion: string;
  now: () => string;
  progress?: (table: string, total: number) => Progress;
  /** Rows per batch (one transaction each); small in tests to exercise many batches. */
  batchRows?: number;
}

/** What a sync did. */
export interface SyncResult {
  host_id: string;
  host_name: string;
  first_sync: boolean;
  configs: number;
  deployments: number;
  deployments_updated: number;
  events: number;
  current_state: number;
  pruned: number | null;
  duration_ms: number;
}

/** Rows per transaction; configs carry whole YAML files, so they go fewer at a time. */
const BATCH_ROWS: Record<SyncedTable, number> = {
  app_configs: 100,
  deployments: 5000,
  deployment_events: 5000,
};

/** Rows read from the file and encoded at a time, within a batch. */
const COPY_PAGE_ROWS = 500;

/** How long a second sync of one host waits for the first before giving up. */
const HOST_LOCK_WAIT = "10min";

const MARK_COLUMN: Record<SyncedTable, string> = {
  app_configs: "sent_configs",
  deployments: "sent_deployments",
  deployment_events: "sent_events",
};

/** Columns that never change once a row exists (a deployment in flight changes its ending). */
const FIXED_COLUMNS: Record<SyncedTable, readonly string[]> = {
  app_configs: SYNC_COLUMNS.app_configs,
  deployments: [
    "id",
    "app_name",
    "config_id",
    "image",
    "started_at",
    "active_color",
    "rollback_of",
  ],
  // An event sent before its file had the hash chain (migration 0007) is NULL centrally.
  deployment_events: SYNC_COLUMNS.deployment_events.filter((column) => column !== "hash"),
};

/** Sends what the central server lacks of this host's history. */
export async function runSync(
  db: Database,
  central: Central,
  request: SyncRequest,
): Promise<SyncResult> {
  const started = performance.now();
  await migrateCentral(central);
  const place = placeOf(db.path);
  // Once the server is reachable, and in one write transaction: two first syncs of one file at
  // once agree on one id (the second reads the first's).
  const claimed = db.write(() => {
    const claim = claimIdentity(
      readHostIdentity(db),
      place,
      request.identity,
      machineHostName(),
      request.now(),
    );
    if (claim.changed) writeHostIdentity(db, claim.identity);
    return claim;
  });
  const { identity } = claimed;
  await lockHost(central, identity.host_id);
  const marks = await registerHost(central, identity, request);
  const bounds = syncBounds(db);
  await refuseDivergence(db, central, identity.host_id, bounds, marks);

  const result: SyncResult = {
    host_id: identity.host_id,
    host_name: identity.host_name,
    first_sync: marks.fresh,
    configs: 0,
    deployments: 0,
    deployments_updated: 0,
    events: 0,
    current_state: 0,
    pruned: null,
    duration_ms: 0,
  };
  const send = (table: SyncedTable) =>
    sendNewRows(db, central, identity.host_id, table, marks.sent[table], bounds, request);
  result.configs = await send("app_configs");
  result.deployments = await send("deployments");
  result.deployments_updated = await updateEndedDeployments(db, central, identity.host_id);
  result.events = await send("deployment_events");
  result.current_state = await sendCurrentState(db, central, identity.host_id, bounds);
  if (request.prune) result.pruned = await pruneCentral(db, central, identity.host_id);
  await central.query("UPDATE hosts SET last_sync_at = now() WHERE id = $1", [identity.host_id]);
  result.duration_ms = Math.round(performance.now() - started);
  return result;
}

/** Waits (up to HOST_LOCK_WAIT) for any other sync of this host to finish. */
async function lockHost(central: Central, hostId: string): Promise<void> {
  try {
    await central.transaction(async () => {
      await central.query(`SET LOCAL lock_timeout = '${HOST_LOCK_WAIT}'`);
      // Session-scoped: held after this transaction, until the connection closes (or dies).
      await central.query("SELECT pg_advisory_lock($1, hashtext($2))", [LOCK_CLASS, hostId]);
    });
  } catch (error) {
    if (error instanceof DockswapError && error.details?.sqlstate === "55P03") {
      throw new DockswapError(
        "database_busy",
        `Another sync of host ${hostId} has been running for over ${HOST_LOCK_WAIT}; ` +
          "nothing was sent. Let it finish, then run sync again",
      );
    }
    throw error;
  }
}

interface HostMarks {
  fresh: boolean;
  sent: Record<SyncedTable, number>;
}

/** Creates or updates this host's row, refusing an id another file has claimed since. */
async function registerHost(
  central: Central,
  identity: { host_id: string; host_name: string; claimed_on: string },
  request: SyncRequest,
): Promise<HostMarks> {
  return await central.transaction(async () => {
    const [row] = await central.query(
      `SELECT claimed_on, sent_configs::float8 AS app_configs,
              sent_deployments::float8 AS deployments, sent_events::float8 AS deployment_events
       FROM hosts WHERE id = $1 FOR UPDATE`,
      [identity.host_id],
    );
    if (row === undefined) {
      await central.query(
        `INSERT INTO hosts (id, name, first_sync_at, last_sync_at, tool_version,
                            schema_version, claimed_on)
         VALUES ($1, $2, now(), now(), $3, $4, $5)`,
        [
          identity.host_id,
          identity.host_name,
          request.toolVersion,
          SCHEMA_VERSION,
          identity.claimed_on,
        ],
      );
      return { fresh: true, sent: { app_configs: 0, deployments: 0, deployment_events: 0 } };
    }
    if (row.claimed_on !== identity.claimed_on && !request.identity.asSameHost) {
      throw new DockswapError(
        "host_identity_conflict",
        `Host "${identity.host_name}" (id ${identity.host_id}) last synced from another file, ` +
          `at ${row.claimed_on}; this file, at ${identity.claimed_on}, has the same id, so one ` +
          "of them is a copy. Syncing both would merge two hosts' histories; nothing was sent.",
        { host_id: identity.host_id, claimed_on: row.claimed_on, place: identity.claimed_on },
      );
    }
    await central.query(
      `UPDATE hosts SET name = $2, tool_version = $3, schema_version = $4, claimed_on = $5
       WHERE id = $1`,
      [
        identity.host_id,
        identity.host_name,
        request.toolVersion,
        SCHEMA_VERSION,
        identity.claimed_on,
      ],
    );
    return {
      fresh: false,
      sent: {
        app_configs: Number(row.app_configs),
        deployments: Number(row.deployments),
        deployment_events: Number(row.deployment_events),
      },
    };
  });
}

/**
 * Refuses a file whose history is not the one this host sent: one that has handed out fewer ids
 * than were sent (an older backup restored, whose new rows would reuse sent ids), or whose last
 * sent row differs from the central copy (two files syncing under one id).
 */
async function refuseDivergence(
  db: Database,
  central: Central,
  hostId: string,
  bounds: SyncBounds,
  marks: HostMarks,
): Promise<void> {
  for (const table of SYNCED_TABLES) {
    const sent = marks.sent[table];
    if (sent === 0) continue;
    const conflict = (what: string) =>
      new DockswapError(
        "host_identity_conflict",
        `This file's ${table} ${what} what host ${hostId} already sent (up to id ${sent}): it ` +
          "is not the file that synced as this host (an older backup restored, or a copy that " +
          "went its own way). Syncing it would overwrite that host's history; nothing was sent.",
        { host_id: hostId, table, sent_up_to: sent, local_sequence: bounds.sequence[table] },
      );
    if (bounds.sequence[table] < sent) throw conflict("stop before");
    const [local] = rowsByIds(db, table, [sent]);
    if (local === undefined) continue; // pruned here: nothing to compare
    const [remote] = await central.query(
      `SELECT ${localShapeColumns(table)} FROM ${table} WHERE host_id = $1 AND id = $2`,
      [hostId, sent],
    );
    if (remote === undefined) continue; // pruned centrally with --prune
    const columns: readonly string[] = SYNC_COLUMNS[table];
    const differs = FIXED_COLUMNS[table].some((column) => {
      const i = columns.indexOf(column);
      return (local[i] ?? null) !== (remote[column] ?? null);
    });
    if (differs) throw conflict("differ from");
  }
}

/**
 * Sends the rows after `mark` up to the bound, a batch per transaction (its rows by COPY, and the
 * new mark); returns how many. While the server writes one batch, the next is read and encoded.
 */
async function sendNewRows(
  db: Database,
  central: Central,
  hostId: string,
  table: SyncedTable,
  mark: number,
  bounds: SyncBounds,
  request: SyncRequest,
): Promise<number> {
  const upTo = bounds.maxId[table];
  if (upTo <= mark) return 0;
  const limit = request.batchRows ?? BATCH_ROWS[table];
  const progress = request.progress?.(table, countAfter(db, table, mark, upTo));
  // Nothing of this host above its mark (the usual case: each batch commits with its mark, and
  // the host lock keeps other syncs of it out): the rows go straight into the table, where a
  // conflict cannot happen. Else, or under row-level security, into staging, and one upsert.
  const [{ allowed }] = await central.query(straightCopyAllowedSql(table), [hostId, mark]);
  const direct = allowed === true;
  if (!direct) await central.query(createStagingSql(table));
  const copy = direct ? copyIntoTableSql(table) : copySql(table);
  const upsert = upsertFromStagingSql(table);
  const markSql = `UPDATE hosts SET ${MARK_COLUMN[table]} = GREATEST(${MARK_COLUMN[table]}, $2)
    WHERE id = $1`;
  let after = mark;
  let sent = 0;
  let writing: Promise<void> | undefined;
  const yielder = new EventLoopYield();
  try {
    for (;;) {
      const batch = await readBatch(
        db,
        table,
        after,
        upTo,
        limit,
        direct ? hostId : undefined,
        yielder,
      );
      if (batch.rows === 0) break;
      await writing;
      const { chunks, last, rows } = batch;
      // One transaction at a time on the connection; only the reading of the next overlaps.
      writing = central.transaction(async () => {
        await central.copyIn(copy, chunks);
        if (!direct) await central.query(upsert, [hostId]);
        await central.query(markSql, [hostId, last]);
      }).then(() => {
        sent += rows;
        progress?.tick(sent);
      });
      // Awaited before the next batch, or below; a failure meanwhile is not unhandled.
      writing.catch(() => {});
      after = last;
      if (rows < limit || last >= upTo) break;
    }
    await writing;
  } finally {
    // A failed read leaves no transaction behind it running.
    await writing?.catch(() => {});
    yielder.close();
    progress?.done();
  }
  return sent;
}

/** One batch read from the file and encoded as COPY rows. */
interface EncodedBatch {
  chunks: Uint8Array[];
  rows: number;
  /** The id of its last row. */
  last: number;
}

/**
 * Up to `limit` rows after `after`, read and encoded a page at a time (no more than a page of
 * rows is alive at once), yielding between pages so that a batch being written goes on.
 */
async function readBatch(
  db: Database,
  table: SyncedTable,
  after: number,
  upTo: number,
  limit: number,
  leading: string | undefined,
  yielder: EventLoopYield,
): Promise<EncodedBatch> {
  const chunks: Uint8Array[] = [];
  let rowCount = 0;
  let last = after;
  while (rowCount < limit) {
    const page = Math.min(COPY_PAGE_ROWS, limit - rowCount);
    const rows = rowsAfter(db, table, last, upTo, page);
    if (rows.length === 0) break;
    chunks.push(copyRows(rows, leading));
    rowCount += rows.length;
    last = Number(rows[rows.length - 1][0]);
    if (rows.length < page) break;
    await yielder.next();
  }
  return { chunks, rows: rowCount, last };
}

/**
 * Yields to the event loop, so that replies and writes of the connection are handled: a message
 * to itself, since a `setTimeout(0)` waits for a timer tick.
 */
class EventLoopYield {
  readonly #channel = new MessageChannel();
  readonly #waiting: (() => void)[] = [];

  constructor() {
    this.#channel.port1.onmessage = () => this.#waiting.shift()?.();
  }

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#channel.port2.postMessage(null);
    });
  }

  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
  }
}

/**
 * Deployments sent while in flight and ended since: re-sent (the central index of in-flight
 * rows keeps this from scanning history). Returns how many changed.
 */
async function updateEndedDeployments(
  db: Database,
  central: Central,
  hostId: string,
): Promise<number> {
  const inFlight = (await central.query(
    "SELECT id::float8 AS id FROM deployments WHERE host_id = $1 AND status = 'in_progress'",
    [hostId],
  )).map((row) => Number(row.id));
  if (inFlight.length === 0) return 0;
  const rows = rowsByIds(db, "deployments", inFlight).filter((row) => row[6] !== "in_progress");
  if (rows.length === 0) return 0;
  await central.query(upsertSql("deployments"), [
    hostId,
    ...columnArrays(rows, SYNC_COLUMNS.deployments.length) as CentralValue[],
  ]);
  return rows.length;
}

/**
 * current_state, whole (a row per app, changed in place), upserted where it differs. A row that
 * points past the bound (a deployment started during this sync) waits for the next sync.
 */
async function sendCurrentState(
  db: Database,
  central: Central,
  hostId: string,
  bounds: SyncBounds,
): Promise<number> {
  const rows = currentStateRows(db).filter((row) => Number(row[1]) <= bounds.maxId.deployments);
  if (rows.length === 0) return 0;
  const changed = await central.query(
    upsertSql("current_state") + " RETURNING app_name",
    [hostId, ...columnArrays(rows, SYNC_COLUMNS.current_state.length) as CentralValue[]],
  );
  return changed.length;
}

/** Ids per statement when comparing central ids with the local file. */
const PRUNE_CHUNK = 5000;

/**
 * `--prune`: deletes this host's central rows whose local row is gone, children first, and
 * deployments newest first (a rollback points at an older one). Returns how many.
 */
async function pruneCentral(db: Database, central: Central, hostId: string): Promise<number> {
  let deleted = 0;
  for (const table of ["deployment_events", "deployments", "app_configs"] as const) {
    const descending = table === "deployments";
    let cursor = descending ? Number.MAX_SAFE_INTEGER : 0;
    for (;;) {
      const ids = (await central.query(
        `SELECT id::float8 AS id FROM ${table} WHERE host_id = $1 AND id ${
          descending ? "<" : ">"
        } $2 ORDER BY id ${descending ? "DESC" : ""} LIMIT ${PRUNE_CHUNK}`,
        [hostId, cursor],
      )).map((row) => Number(row.id));
      if (ids.length === 0) break;
      cursor = ids[ids.length - 1];
      const gone = missingIds(db, table, ids);
      if (gone.length > 0) {
        await central.transaction(async () => {
          if (table === "deployments") {
            // current_state never points at a pruned deployment locally; centrally it may still.
            await central.query(
              "DELETE FROM current_state WHERE host_id = $1 AND deployment_id = ANY($2::bigint[])",
              [hostId, gone],
            );
          }
          await central.query(
            `DELETE FROM ${table} WHERE host_id = $1 AND id = ANY($2::bigint[])`,
            [hostId, gone],
          );
        });
        deleted += gone.length;
      }
      if (ids.length < PRUNE_CHUNK) break;
    }
  }
  return deleted;
}
