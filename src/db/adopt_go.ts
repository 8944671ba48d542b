/**
 * Adopting a Go dockswap database in place: recognised on open, backed up beside itself, then
 * rewritten into this schema in one transaction, keeping every row's id. The SQL lives here,
 * with the migration runner, because it runs while the file is opened.
 */
import { MIGRATIONS } from "../../migrations/mod.ts";
import {
  createLockedFile,
  folderOf,
  removeDatabaseFiles,
  removeStaleTemps,
  syncFolder,
  tempPathBeside,
} from "../atomic_file.ts";
import { DockswapError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import {
  type DeploymentStatus,
  EVENT_TARGET,
  GO_DEPLOYMENT_STATUS,
  GO_SCHEMA_VERSION,
  GO_STATE_STATUS,
  goTimeToIso,
  IN_FLIGHT_STATES,
  type StateWord,
} from "../go_legacy.ts";
import { nowIso } from "../time.ts";
import { Database, type SqlValue } from "./database.ts";
import { migrate } from "./migrate.ts";
import { applicationId, markAsDockswapFile, tableNames } from "./identity.ts";

/** One change made to a row while adopting, with the value it replaced. */
export interface AdoptionRepair {
  table: string;
  row: string;
  column: string | null;
  old_value: string | null;
  new_value: string | null;
  reason: string;
}

/** What adopting a Go dockswap database did. */
export interface AdoptionReport {
  path: string;
  backup: string;
  go_schema_version: number;
  adopted_at: string;
  /** Rows read from each Go table and rows written to ours. */
  rows: Record<string, { go: number; adopted: number }>;
  repairs: AdoptionRepair[];
}

const GO_TABLES = ["app_configs", "deployments", "deployment_events", "current_state"] as const;
const EPOCH = "1970-01-01T00:00:00.000Z";
const SHA_SHAPE = /^[0-9a-f]{64}$/;

type GoRow = Record<string, string | number | null>;

/** True for a file the Go dockswap made: its four tables and schema_version, nothing else. */
export function isGoDockswap(db: Database): boolean {
  const id = applicationId(db);
  if (id !== 0) return false;
  const tables = tableNames(db);
  const expected = new Set<string>([...GO_TABLES, "schema_version"]);
  return tables.length === expected.size && tables.every((t) => expected.has(t));
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * Copies every table, index and row of the Go database into a new owner-only SQLite file,
 * read through `db` under its write lock, then checks the copy. Not a byte copy on purpose:
 * opening and closing the live file outside SQLite would drop this process's POSIX locks
 * on it mid-transaction, letting another process write at the same time.
 */
function backupGoDatabase(db: Database, backup: string): void {
  // Written under a hidden temporary name and renamed when complete: a run killed while copying
  // leaves no half backup under the backup's name (and the next adoption removes the temporary).
  const stem = `${db.path}.go-dockswap-backup`;
  removeStaleTemps(stem);
  const temp = tempPathBeside(stem);
  let guard: Deno.FsFile;
  try {
    guard = createLockedFile(temp);
  } catch (error) {
    throw new DockswapError(
      "io_error",
      `Cannot back up the Go dockswap database to "${backup}" before adopting it: ${
        (error as Error).message
      }. Nothing was changed.`,
    );
  }
  try {
    copyInto(db, temp, backup);
    // Closed only after SQLite's connection to it: closing a file drops its POSIX locks.
    guard.syncSync();
    Deno.renameSync(temp, backup);
    syncFolder(folderOf(backup));
  } catch (error) {
    removeDatabaseFiles(temp);
    if (error instanceof DockswapError) throw error;
    throw new DockswapError(
      "io_error",
      `Cannot back up the Go dockswap database to "${backup}" before adopting it: ${
        (error as Error).message
      }. Nothing was changed.`,
    );
  } finally {
    guard.close();
  }
}

/** Copies the schema and every row of `db` into the empty file `path` and checks the copy. */
function copyInto(db: Database, path: string, backup: string): void {
  const copy = new Database(path);
  try {
    copy.write(() => {
      const schema = db.all<{ type: string; name: string; sql: string }>(
        `SELECT type, name, sql FROM sqlite_schema
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC, rowid`,
      );
      for (const item of schema) copy.exec(item.sql);
      const tables = schema.filter((i) => i.type === "table").map((i) => i.name);
      if (db.get("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'")) {
        tables.push("sqlite_sequence");
      }
      for (const table of tables) {
        const quoted = `"${table.replaceAll('"', '""')}"`;
        const info = db.all<{ name: string; type: string; pk: number }>(
          `PRAGMA table_info(${quoted})`,
        );
        const columns = info.map((c) => `"${c.name.replaceAll('"', '""')}"`);
        // Keep rowids too, unless a column already is the rowid (INTEGER PRIMARY KEY).
        const keys = info.filter((c) => c.pk > 0);
        const rowidIsColumn = keys.length === 1 && keys[0].type.toUpperCase() === "INTEGER";
        const all = table === "sqlite_sequence" || rowidIsColumn
          ? columns
          : ["_rowid_", ...columns];
        const insert = `INSERT INTO ${quoted} (${all.join(", ")}) VALUES (${
          all.map(() => "?").join(", ")
        })`;
        // Creating and filling the tables above wrote sqlite_sequence already: copy it exactly.
        if (table === "sqlite_sequence") copy.exec("DELETE FROM sqlite_sequence");
        // Aliased, so that each value comes back under its own name.
        const select = all.map((c, i) => `${c} AS c${i}`).join(", ");
        for (const row of db.iterate<Record<string, SqlValue>>(`SELECT ${select} FROM ${quoted}`)) {
          copy.run(insert, ...all.map((_, i) => row[`c${i}`]));
        }
      }
    });
    const check = copy.all<{ quick_check: string }>("PRAGMA quick_check");
    if (check.length !== 1 || check[0].quick_check !== "ok") {
      throw new DockswapError(
        "database_corrupt",
        `The backup "${backup}" of the Go dockswap database fails quick_check; nothing was changed.`,
      );
    }
  } finally {
    copy.close();
  }
}

/**
 * Adopts the Go dockswap database open in `db`: backup first, then one transaction that
 * renames the Go tables aside, creates this schema, copies every row (ids kept) with the
 * repairs it needs, logs each repair in `adoption_log` and drops the Go tables. Returns
 * undefined when another process adopted the file first.
 */
export function adoptGoDatabase(db: Database): AdoptionReport | undefined {
  const adoptedAt = nowIso();
  const backup = `${db.path}.go-dockswap-backup-${adoptedAt.replace(/[-:.]/g, "")}-${Deno.pid}.db`;
  const adopt = (): AdoptionReport | undefined => {
    // Under the write lock: another process may have adopted the file while this one waited.
    if (!isGoDockswap(db)) return undefined;
    const versions = db.all<{ version: number }>("SELECT version FROM schema_version")
      .map((r) => Number(r.version));
    if (!versions.includes(GO_SCHEMA_VERSION) || versions.some((v) => v > GO_SCHEMA_VERSION)) {
      throw new DockswapError(
        "not_a_dockswap_database",
        `"${db.path}" is a Go dockswap database of schema ${
          versions.join(", ") || "(none)"
        }; this dockswap-db adopts schema ${GO_SCHEMA_VERSION} only. Nothing was changed.`,
      );
    }
    backupGoDatabase(db, backup);
    backedUp = true;
    const adopter = new Adopter(db, adoptedAt);
    adopter.run();
    return {
      path: db.path,
      backup,
      go_schema_version: GO_SCHEMA_VERSION,
      adopted_at: adoptedAt,
      rows: adopter.rows,
      repairs: adopter.repairs,
    };
  };
  let backedUp = false;
  try {
    return db.write(adopt);
  } catch (error) {
    // The transaction rolled back, so the file is still the Go file: a backup of an adoption
    // that did not happen would only be a stray copy for the operator to wonder about.
    if (backedUp) removeDatabaseFiles(backup);
    throw error;
  }
}

interface AdoptedDeployment {
  id: number;
  app_name: string;
  started_at: string;
  status: DeploymentStatus;
  active_color: string;
  image: string;
  ended_at: string | null;
}

/** The rewrite itself, one table after another inside the caller's transaction. */
class Adopter {
  readonly repairs: AdoptionRepair[] = [];
  readonly rows: Record<string, { go: number; adopted: number }> = {};
  readonly #db: Database;
  readonly #now: string;
  /** Per deployment: time and state of its last event. */
  readonly #lastEvent = new Map<number, { at: string; to: StateWord }>();
  readonly #firstEvent = new Map<number, string>();

  constructor(db: Database, now: string) {
    this.#db = db;
    this.#now = now;
  }

  run(): void {
    const db = this.#db;
    // Go's indexes would collide with nothing of ours, but they go with their tables anyway.
    for (
      const { name } of db.all<{ name: string }>(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
      )
    ) db.exec(`DROP INDEX "${name.replaceAll('"', '""')}"`);
    for (const table of GO_TABLES) db.exec(`ALTER TABLE ${table} RENAME TO go_${table}`);
    migrate(db, MIGRATIONS, () => markAsDockswapFile(db));
    // Rows are copied parents-first, but a rollback may point at a later row.
    db.exec("PRAGMA defer_foreign_keys = ON");
    const configIds = this.#configs();
    const goDeployments = db.all<GoRow>("SELECT * FROM go_deployments ORDER BY id");
    const deploymentIds = new Set(goDeployments.map((d) => Number(d.id)));
    const placeholders = this.#events(deploymentIds);
    const deployments = this.#deployments(goDeployments, configIds, placeholders);
    this.#currentState(deployments);
    for (const table of GO_TABLES) db.exec(`DROP TABLE go_${table}`);
    db.exec("DROP TABLE schema_version");
    for (const r of this.repairs) {
      db.run(
        `INSERT INTO adoption_log (adopted_at, table_name, row_key, column_name, old_value, new_value, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        this.#now,
        r.table,
        r.row,
        r.column,
        r.old_value,
        r.new_value,
        r.reason,
      );
    }
    const dangling = db.all("PRAGMA foreign_key_check");
    if (dangling.length > 0) {
      throw new DockswapError(
        "internal",
        `Adopting left ${dangling.length} dangling reference(s); nothing was changed`,
      );
    }
  }

  #repair(
    table: string,
    row: string,
    column: string | null,
    oldValue: unknown,
    newValue: unknown,
    reason: string,
  ): void {
    this.repairs.push({
      table,
      row,
      column,
      old_value: text(oldValue),
      new_value: text(newValue),
      reason,
    });
  }

  /** A Go time as ISO, or `fallback` (reported) when it cannot be read. */
  #time(table: string, row: string, column: string, value: unknown, fallback: string): string {
    const iso = goTimeToIso(text(value));
    if (iso !== undefined) return iso;
    this.#repair(table, row, column, value, fallback, "unreadable timestamp");
    return fallback;
  }

  #configs(): Set<number> {
    const ids = new Set<number>();
    const rows = this.#db.all<GoRow>("SELECT * FROM go_app_configs ORDER BY id");
    for (const c of rows) {
      const key = `id=${c.id}`;
      const yaml = text(c.config_yaml) ?? "";
      let sha = text(c.config_sha) ?? "";
      if (!SHA_SHAPE.test(sha)) {
        const fixed = SHA_SHAPE.test(sha.toLowerCase()) ? sha.toLowerCase() : sha256Hex(yaml);
        this.#repair("app_configs", key, "config_sha", sha, fixed, "not a lower-case SHA-256");
        sha = fixed;
      }
      this.#db.run(
        "INSERT INTO app_configs (id, app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?, ?)",
        Number(c.id),
        this.#appName("app_configs", key, c.app_name),
        yaml,
        sha,
        this.#time("app_configs", key, "created_at", c.created_at, EPOCH),
      );
      ids.add(Number(c.id));
    }
    this.rows.app_configs = { go: rows.length, adopted: rows.length };
    return ids;
  }

  #appName(table: string, key: string, value: unknown): string {
    const name = text(value) ?? "";
    if (name.length > 0) return name;
    this.#repair(table, key, "app_name", value, "unknown", "empty app name");
    return "unknown";
  }

  /**
   * Copies events deployment by deployment, deriving each transition from the state machine.
   * Returns the placeholder deployments made for events whose deployment is gone.
   */
  #events(deploymentIds: Set<number>): Map<number, { app_name: string; events: number }> {
    const db = this.#db;
    const placeholders = new Map<number, { app_name: string; events: number }>();
    // Fresh ids start above every id a deployment has or an event names, so a reconstructed
    // deployment never takes the id another group of orphan events will claim as its own.
    // (In SQL: spreading a large id set into Math.max would overflow the stack.)
    const highest = db.get<{ id: number | null }>(
      `SELECT max(id) AS id FROM (SELECT max(id) AS id FROM go_deployments UNION ALL
         SELECT max(deployment_id) FROM go_deployment_events WHERE typeof(deployment_id) = 'integer')`,
    )?.id;
    let nextId = Math.max(0, Number(highest ?? 0)) + 1;
    const orphanIds = new Map<string, number>();
    let count = 0;
    let previous: { deployment: number; to: StateWord; at: string } | undefined;
    for (
      const e of db.iterate<GoRow>(
        "SELECT * FROM go_deployment_events ORDER BY deployment_id, id",
      )
    ) {
      const key = `id=${e.id}`;
      let deployment = Number(e.deployment_id ?? 0);
      if (!deploymentIds.has(deployment)) {
        const group = String(e.deployment_id);
        let id = orphanIds.get(group);
        if (id === undefined) {
          id = Number.isSafeInteger(deployment) && deployment > 0 ? deployment : nextId++;
          orphanIds.set(group, id);
          placeholders.set(id, { app_name: text(e.app_name) ?? "unknown", events: 0 });
        }
        placeholders.get(id)!.events++;
        if (id !== deployment) {
          this.#repair(
            "deployment_events",
            key,
            "deployment_id",
            e.deployment_id,
            id,
            "no deployment",
          );
        }
        deployment = id;
      }
      const type = (text(e.event_type) ?? "").toLowerCase();
      const to = EVENT_TARGET[type];
      if (to === undefined) {
        throw new DockswapError(
          "not_a_dockswap_database",
          `Cannot adopt "${db.path}": event ${e.id} has type ${
            JSON.stringify(e.event_type)
          }, which the state machine does not know. Nothing was changed.`,
        );
      }
      const from: StateWord = previous?.deployment === deployment ? previous.to : "stable";
      const fallback = previous?.deployment === deployment ? previous.at : EPOCH;
      const at = this.#time("deployment_events", key, "created_at", e.created_at, fallback);
      let payload = text(e.payload);
      if (payload === "") payload = null;
      if (payload !== null) {
        try {
          JSON.parse(payload);
        } catch {
          const wrapped = JSON.stringify(payload);
          this.#repair(
            "deployment_events",
            key,
            "payload",
            payload,
            wrapped,
            "not JSON: kept as a JSON string",
          );
          payload = wrapped;
        }
      }
      const error = text(e.error) === "" ? null : text(e.error);
      db.run(
        `INSERT INTO deployment_events
           (id, deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        Number(e.id),
        deployment,
        this.#appName("deployment_events", key, e.app_name),
        type,
        from,
        to,
        payload,
        error,
        at,
      );
      if (!this.#firstEvent.has(deployment)) this.#firstEvent.set(deployment, at);
      this.#lastEvent.set(deployment, { at, to });
      previous = { deployment, to, at };
      count++;
    }
    this.rows.deployment_events = { go: count, adopted: count };
    return placeholders;
  }

  #deployments(
    goRows: GoRow[],
    configIds: Set<number>,
    placeholders: Map<number, { app_name: string; events: number }>,
  ): AdoptedDeployment[] {
    const db = this.#db;
    const rows = goRows.map((d) => {
      const key = `id=${d.id}`;
      const started = this.#time(
        "deployments",
        key,
        "started_at",
        d.started_at,
        this.#firstEvent.get(Number(d.id)) ?? EPOCH,
      );
      return { d, key, app: this.#appName("deployments", key, d.app_name), started };
    });
    // The newest deployment of each app, and each deployment's successor, by time then id.
    const byApp = new Map<string, typeof rows>();
    for (const row of rows) byApp.set(row.app, [...(byApp.get(row.app) ?? []), row]);
    const successor = new Map<number, string>();
    const latest = new Set<number>();
    for (const list of byApp.values()) {
      list.sort((a, b) =>
        a.started < b.started ? -1 : a.started > b.started ? 1 : Number(a.d.id) - Number(b.d.id)
      );
      list.forEach((row, i) => {
        if (i + 1 < list.length) successor.set(Number(row.d.id), list[i + 1].started);
        else latest.add(Number(row.d.id));
      });
    }
    const ids = new Set(goRows.map((d) => Number(d.id)));
    const adopted: AdoptedDeployment[] = [];
    for (const { d, key, app, started } of rows) {
      const id = Number(d.id);
      const word = text(d.status) ?? "";
      let status = GO_DEPLOYMENT_STATUS[word.toLowerCase()];
      if (status === undefined) {
        status = "failed";
        this.#repair(
          "deployments",
          key,
          "status",
          word,
          status,
          "status word not in the mapping table",
        );
      }
      const endedText = text(d.ended_at);
      let ended = endedText === null || endedText === "" ? null : goTimeToIso(endedText) ?? null;
      if (endedText !== null && endedText !== "" && ended === null) {
        this.#repair("deployments", key, "ended_at", endedText, null, "unreadable timestamp");
      }
      if (status === "in_progress") {
        if (ended !== null) {
          status = "failed";
          this.#repair("deployments", key, "status", word, status, "ended without an outcome");
        } else if (!latest.has(id)) {
          status = "failed";
          ended = successor.get(id)!;
          this.#repair(
            "deployments",
            key,
            "status",
            word,
            status,
            `unterminated, superseded by a later deployment of ${app} (ended_at set to its start)`,
          );
        }
      } else if (ended === null) {
        ended = this.#lastEvent.get(id)?.at ?? started;
        this.#repair(
          "deployments",
          key,
          "ended_at",
          endedText,
          ended,
          `${word} without an end time (last event, else start)`,
        );
      }
      if (ended !== null && ended < started) ended = started;
      let color = text(d.active_color) ?? "";
      if (color !== "blue" && color !== "green") {
        this.#repair("deployments", key, "active_color", color, "blue", "not blue or green");
        color = "blue";
      }
      let image = text(d.image) ?? "";
      if (image === "") {
        this.#repair("deployments", key, "image", image, "unknown", "empty image");
        image = "unknown";
      }
      let configId = d.config_id === null || Number(d.config_id) === 0 ? null : Number(d.config_id);
      if (configId !== null && !configIds.has(configId)) {
        this.#repair("deployments", key, "config_id", configId, null, "no such config");
        configId = null;
      }
      let rollbackOf = d.rollback_of === null || Number(d.rollback_of) === 0
        ? null
        : Number(d.rollback_of);
      if (rollbackOf !== null && !ids.has(rollbackOf) && !placeholders.has(rollbackOf)) {
        this.#repair("deployments", key, "rollback_of", rollbackOf, null, "no such deployment");
        rollbackOf = null;
      }
      db.run(
        `INSERT INTO deployments (id, app_name, config_id, image, started_at, ended_at, status,
           active_color, rollback_of, legacy_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        app,
        configId,
        image,
        started,
        ended,
        status,
        color,
        rollbackOf,
        word,
      );
      adopted.push({
        id,
        app_name: app,
        started_at: started,
        status,
        active_color: color,
        image,
        ended_at: ended,
      });
    }
    for (const [id, p] of placeholders) {
      const started = this.#firstEvent.get(id) ?? EPOCH;
      const ended = this.#lastEvent.get(id)?.at ?? started;
      db.run(
        `INSERT INTO deployments (id, app_name, config_id, image, started_at, ended_at, status, active_color)
         VALUES (?, ?, NULL, 'unknown', ?, ?, 'failed', 'blue')`,
        id,
        p.app_name,
        started,
        ended,
      );
      this.#repair(
        "deployments",
        `id=${id}`,
        null,
        null,
        "failed",
        `missing, but ${p.events} event(s) refer to it: reconstructed from them (image unknown, color blue)`,
      );
      adopted.push({
        id,
        app_name: p.app_name,
        started_at: started,
        status: "failed",
        active_color: "blue",
        image: "unknown",
        ended_at: ended,
      });
    }
    this.rows.deployments = { go: goRows.length, adopted: adopted.length };
    return adopted;
  }

  #currentState(deployments: AdoptedDeployment[]): void {
    const db = this.#db;
    const latestOf = new Map<string, AdoptedDeployment>();
    const lastLive = new Map<string, AdoptedDeployment>();
    const newer = (a: AdoptedDeployment, b: AdoptedDeployment | undefined) =>
      b === undefined || a.started_at > b.started_at ||
      (a.started_at === b.started_at && a.id > b.id);
    for (const d of deployments) {
      if (newer(d, latestOf.get(d.app_name))) latestOf.set(d.app_name, d);
      if (d.status === "success" && newer(d, lastLive.get(d.app_name))) lastLive.set(d.app_name, d);
    }
    const byId = new Map(deployments.map((d) => [d.id, d]));
    const goRows = db.all<GoRow>("SELECT * FROM go_current_state ORDER BY app_name");
    const seen = new Set<string>();
    let written = 0;
    for (const s of goRows) {
      const app = text(s.app_name) ?? "";
      const key = `app=${app}`;
      seen.add(app);
      const latest = latestOf.get(app);
      const pointed = Number(s.deployment_id ?? 0);
      if (latest === undefined) {
        // The whole row goes to the log, so that dropping it loses nothing.
        this.#repair(
          "current_state",
          key,
          null,
          JSON.stringify(s),
          null,
          pointed === 0
            ? "app never deployed (deployment_id 0): no current_state row in this schema"
            : `deployment ${pointed} does not exist and the app has no other: row dropped`,
        );
        continue;
      }
      if (pointed !== latest.id) {
        this.#repair(
          "current_state",
          key,
          "deployment_id",
          pointed,
          latest.id,
          byId.has(pointed)
            ? "not the app's latest deployment"
            : pointed === 0
            ? "deployment_id 0 although the app has deployments"
            : "no such deployment",
        );
      }
      const word = text(s.status) ?? "";
      const status = this.#stateStatus(key, word, latest);
      let color = text(s.active_color) ?? "";
      let image = text(s.image) ?? "";
      if (!((color === "blue" || color === "green") && image !== "")) {
        if (color !== "" || image !== "") {
          this.#repair(
            "current_state",
            key,
            "active_color",
            `${color}/${image}`,
            null,
            "color and image incomplete: none recorded",
          );
        }
        color = "";
        image = "";
      }
      this.#insertState(
        app,
        latest.id,
        color || null,
        image || null,
        status,
        this.#time("current_state", key, "updated_at", s.updated_at, this.#now),
        word,
      );
      written++;
    }
    for (const [app, latest] of latestOf) {
      if (seen.has(app)) continue;
      const live = lastLive.get(app);
      const status = this.#stateStatus(`app=${app}`, "", latest);
      this.#insertState(
        app,
        latest.id,
        live?.active_color ?? null,
        live?.image ?? null,
        status,
        latest.ended_at ?? latest.started_at,
        null,
      );
      this.#repair(
        "current_state",
        `app=${app}`,
        null,
        null,
        latest.id,
        "app has deployments but no current_state row: created from them",
      );
      written++;
    }
    this.rows.current_state = { go: goRows.length, adopted: written };
  }

  /** The state word for an app given its latest deployment, reporting any change of meaning. */
  #stateStatus(key: string, word: string, latest: AdoptedDeployment): StateWord {
    const mapped = GO_STATE_STATUS[word.toLowerCase()];
    let status: StateWord;
    if (latest.status === "in_progress") {
      const last = this.#lastEvent.get(latest.id)?.to;
      status = last !== undefined && IN_FLIGHT_STATES.includes(last) ? last : "starting";
    } else {
      status = latest.status === "failed" ? "failed" : "stable";
      if (mapped === "stable" || mapped === "failed") status = mapped;
    }
    if (word !== "" && mapped !== status) {
      this.#repair(
        "current_state",
        key,
        "status",
        word,
        status,
        mapped === undefined
          ? "status word not in the mapping table: derived from the latest deployment"
          : `derived from the latest deployment (${latest.id}, ${latest.status})`,
      );
    }
    return status;
  }

  #insertState(
    app: string,
    deploymentId: number,
    color: string | null,
    image: string | null,
    status: StateWord,
    updatedAt: string,
    legacy: string | null,
  ): void {
    this.#db.run(
      `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at, legacy_status)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      app,
      deploymentId,
      color,
      image,
      status,
      updatedAt,
      legacy,
    );
  }
}
