/**
 * The rewrite of a Go dockswap database into this schema, inside the adoption's transaction:
 * every row kept under its id, every change to a row recorded as a repair, and every app left in
 * a state the documented commands bring back to `stable` (at most one deployment in flight per
 * app, its latest, which current_state names).
 */
import { MIGRATIONS } from "../../migrations/mod.ts";
import { APP_NAME_RULE, isValidAppName, MAX_APP_NAME_LENGTH } from "../app_name.ts";
import { DockswapError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import {
  type DeploymentStatus,
  GO_DEPLOYMENT_STATUS,
  GO_STATE_STATUS,
  goTimeToIso,
} from "../go_legacy.ts";
import {
  type DeploymentOutcome,
  isEventType,
  isInFlight,
  nextState,
  outcomeOf,
  type State,
  TRAFFIC_EVENT,
} from "../lifecycle.ts";
import type { Database, SqlValue } from "./database.ts";
import { markAsDockswapFile } from "./identity.ts";
import { migrate } from "./migrate.ts";

/** One change made to a row while adopting, with the value it replaced. */
export interface AdoptionRepair {
  table: string;
  row: string;
  column: string | null;
  old_value: string | null;
  new_value: string | null;
  reason: string;
}

/** The Go tables, children after parents. */
export const GO_TABLES = [
  "app_configs",
  "deployments",
  "deployment_events",
  "current_state",
] as const;
const EPOCH = "1970-01-01T00:00:00.000Z";
const SHA_SHAPE = /^[0-9a-f]{64}$/;

type GoRow = Record<string, SqlValue>;

/**
 * A Go value as text. The Go driver stores a []byte (what json.Marshal returns) as a BLOB: its
 * bytes are the UTF-8 text, not a list of numbers.
 */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
}

/** What the events of one deployment say, replayed through the state machine. */
interface EventSummary {
  first: string;
  last: string;
  /** The state after its last event. */
  state: State;
  /** The last event that ended it. */
  ended?: { outcome: DeploymentOutcome; at: string; event: string };
  /** Whether its events moved traffic to it. */
  movedTraffic: boolean;
}

/** A deployment that events name but the Go file lacks, rebuilt from them. */
interface MissingDeployment {
  id: number;
  app_name: string;
  events: number;
}

interface AdoptedDeployment {
  id: number;
  app_name: string;
  started_at: string;
  status: DeploymentStatus;
  active_color: string;
  image: string;
  ended_at: string | null;
  moved_traffic: boolean;
}

const UNUSABLE_APP_NAME = `not an app name the commands take (${APP_NAME_RULE})`;

/** Later in an app's history: by start time, then id. */
function later(a: { started_at: string; id: number }, b: { started_at: string; id: number }) {
  return a.started_at > b.started_at || (a.started_at === b.started_at && a.id > b.id);
}

/** The rewrite itself, one table after another inside the caller's transaction. */
export class GoAdopter {
  readonly repairs: AdoptionRepair[] = [];
  readonly rows: Record<string, { go: number; adopted: number }> = {};
  readonly #db: Database;
  readonly #now: string;
  readonly #summaries = new Map<number, EventSummary>();
  /** Missing deployments, by the deployment_id value and the app their events name. */
  readonly #missing = new Map<string, MissingDeployment>();
  readonly #claimedIds = new Set<number>();
  /** Go app names the commands cannot take, and the name each is adopted under. */
  readonly #renamedApps = new Map<string, string>();
  #nextId = 1;

  constructor(db: Database, now: string) {
    this.#db = db;
    this.#now = now;
  }

  /** Needs foreign keys off: the Go tables' declared references dangle, and go with them. */
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
    this.#reportCutTexts();
    this.#nameApps();
    // Parents before children, each row's app checked by the schema against the row it names.
    const configApps = this.#configs();
    const goDeployments = db.all<GoRow>("SELECT * FROM go_deployments ORDER BY id").map((d) => {
      const key = `id=${d.id}`;
      return { d, key, app: this.#appName("deployments", key, d.app_name) };
    });
    const deploymentApps = new Map(goDeployments.map(({ d, app }) => [Number(d.id), app]));
    // Fresh ids start above every id a deployment has or an event names, so a rebuilt deployment
    // never takes the id another group of events will claim as its own.
    const highest = db.get<{ id: number | null }>(
      `SELECT max(id) AS id FROM (SELECT max(id) AS id FROM go_deployments UNION ALL
         SELECT max(deployment_id) FROM go_deployment_events WHERE typeof(deployment_id) = 'integer')`,
    )?.id;
    this.#nextId = Math.max(0, Number(highest ?? 0)) + 1;
    this.#walkEvents(deploymentApps, false);
    const deployments = this.#deployments(goDeployments, configApps);
    this.#walkEvents(deploymentApps, true);
    this.#currentState(deployments);
    for (const table of [...GO_TABLES].reverse()) db.exec(`DROP TABLE go_${table}`);
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

  /** A Go time as ISO, or `fallback` (reported when `report`) when it cannot be read. */
  #time(
    table: string,
    row: string,
    column: string,
    value: unknown,
    fallback: string,
    report = true,
  ): string {
    const iso = goTimeToIso(text(value));
    if (iso !== undefined) return iso;
    if (report) this.#repair(table, row, column, value, fallback, "unreadable timestamp");
    return fallback;
  }

  /**
   * Logs each Go text holding a NUL character: SQLite's readers (this one, the sqlite3 shell)
   * stop at it, so the text is adopted up to there; the log keeps it whole (NUL as \u0000).
   */
  #reportCutTexts(): void {
    for (const table of GO_TABLES) {
      const columns = this.#db.all<{ name: string }>(
        "SELECT name FROM pragma_table_info(?)",
        `go_${table}`,
      );
      const key = table === "current_state" ? "'app=' || app_name" : "'id=' || id";
      for (const { name } of columns) {
        const column = `"${name.replaceAll('"', '""')}"`;
        for (
          const row of this.#db.all<{ key: string; bytes: Uint8Array }>(
            `SELECT ${key} AS key, CAST(${column} AS BLOB) AS bytes FROM go_${table}
             WHERE typeof(${column}) = 'text' AND instr(CAST(${column} AS BLOB), x'00') > 0`,
          )
        ) {
          const whole = new TextDecoder().decode(row.bytes);
          this.#repair(
            table,
            row.key,
            name,
            whole.replaceAll("\0", "\\u0000"),
            whole.slice(0, whole.indexOf("\0")),
            "holds a NUL character, where every reader of the text stops: adopted up to it",
          );
        }
      }
    }
  }

  /**
   * Gives each Go app name no command could take (`my app`, `a/b`) a usable one, unlike every
   * other app's, so that its history can be read and the app brought back to stable.
   */
  #nameApps(): void {
    const names = this.#db.all<{ app_name: SqlValue }>(
      `SELECT app_name FROM go_app_configs UNION SELECT app_name FROM go_deployments
       UNION SELECT app_name FROM go_deployment_events UNION SELECT app_name FROM go_current_state`,
    ).map((r) => text(r.app_name) ?? "").filter((name) => name !== "").sort();
    const taken = new Set(names.filter(isValidAppName));
    for (const name of names.filter((name) => !isValidAppName(name))) {
      const base = name.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "")
        .slice(0, MAX_APP_NAME_LENGTH - 8) || "app";
      let usable = base;
      for (let n = 2; taken.has(usable); n++) usable = `${base}-${n}`;
      taken.add(usable);
      this.#renamedApps.set(name, usable);
    }
  }

  /** The name a Go app is adopted under (see #nameApps). */
  #usableApp(name: string): string {
    return this.#renamedApps.get(name) ?? name;
  }

  #appName(table: string, key: string, value: unknown): string {
    const name = text(value) ?? "";
    if (name.length > 0) {
      const usable = this.#usableApp(name);
      if (usable !== name) this.#repair(table, key, "app_name", name, usable, UNUSABLE_APP_NAME);
      return usable;
    }
    this.#repair(table, key, "app_name", value, "unknown", "empty app name");
    return "unknown";
  }

  /** Copies the configs; returns each one's app. */
  #configs(): Map<number, string> {
    const apps = new Map<number, string>();
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
      const app = this.#appName("app_configs", key, c.app_name);
      this.#db.run(
        "INSERT INTO app_configs (id, app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?, ?)",
        Number(c.id),
        app,
        yaml,
        sha,
        this.#time("app_configs", key, "created_at", c.created_at, EPOCH),
      );
      apps.set(Number(c.id), app);
    }
    this.rows.app_configs = { go: rows.length, adopted: rows.length };
    return apps;
  }

  /**
   * The deployment that stands for events naming `value`, of `app`, when the Go file has no
   * such deployment: the missing id itself when it is usable and unclaimed, else a fresh id.
   */
  #missingDeployment(value: SqlValue, app: string): MissingDeployment {
    const key = JSON.stringify([typeof value, String(value), app]);
    let missing = this.#missing.get(key);
    if (missing === undefined) {
      const named = Number(value);
      const id = Number.isSafeInteger(named) && named > 0 && !this.#claimedIds.has(named)
        ? named
        : this.#nextId++;
      this.#claimedIds.add(id);
      missing = { id, app_name: app, events: 0 };
      this.#missing.set(key, missing);
    }
    return missing;
  }

  /**
   * Replays the events deployment by deployment through the state machine. The first pass
   * (`write` false) only learns what they say of each deployment and which deployments are
   * missing; the second, once the deployments are written, writes them and reports repairs.
   */
  #walkEvents(deploymentApps: Map<number, string>, write: boolean): void {
    const db = this.#db;
    const previous = new Map<number, { state: State; at: string }>();
    let count = 0;
    for (
      const e of db.iterate<GoRow>(
        "SELECT * FROM go_deployment_events ORDER BY deployment_id, id",
      )
    ) {
      const key = `id=${e.id}`;
      const goApp = text(e.app_name) ?? "";
      const named = Number(e.deployment_id ?? 0);
      const owner = deploymentApps.get(named);
      let deployment: number;
      let app: string;
      if (owner !== undefined) {
        deployment = named;
        app = owner;
        if (write && goApp !== owner) {
          this.#repair(
            "deployment_events",
            key,
            "app_name",
            goApp,
            owner,
            `deployment ${named} is of app ${owner}`,
          );
        }
      } else {
        const missing = this.#missingDeployment(
          e.deployment_id,
          goApp === "" ? "unknown" : this.#usableApp(goApp),
        );
        if (!write) missing.events++;
        deployment = missing.id;
        app = missing.app_name;
        if (write && goApp !== app) {
          const reason = goApp === "" ? "empty app name" : UNUSABLE_APP_NAME;
          this.#repair("deployment_events", key, "app_name", goApp, app, reason);
        }
        if (write && missing.id !== named) {
          this.#repair(
            "deployment_events",
            key,
            "deployment_id",
            e.deployment_id,
            missing.id,
            "no deployment",
          );
        }
      }
      const type = (text(e.event_type) ?? "").toLowerCase();
      if (!isEventType(type)) {
        throw new DockswapError(
          "not_a_dockswap_database",
          `Cannot adopt "${db.path}": event ${e.id} has type ${
            JSON.stringify(e.event_type)
          }, which the state machine does not know. Nothing was changed.`,
        );
      }
      const before = previous.get(deployment);
      const from: State = before?.state ?? "stable";
      const at = this.#time(
        "deployment_events",
        key,
        "created_at",
        e.created_at,
        before?.at ?? EPOCH,
        write,
      );
      // The Go machine records an event it refuses too (with its error) and stays where it was.
      const transition = nextState(from, type);
      const to = transition.ok ? transition.to : from;
      previous.set(deployment, { state: to, at });
      count++;
      if (!write) {
        this.#summarise(deployment, at, to, transition.ok ? type : undefined);
        continue;
      }
      if (!transition.ok) {
        this.#repair(
          "deployment_events",
          key,
          "to_state",
          null,
          to,
          `${type} is not accepted in state ${from}: the state stays, as the Go state machine left it`,
        );
      }
      db.run(
        `INSERT INTO deployment_events
           (id, deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        Number(e.id),
        deployment,
        app,
        type,
        from,
        to,
        this.#payload(key, e.payload),
        text(e.error) === "" ? null : text(e.error),
        at,
      );
    }
    if (write) this.rows.deployment_events = { go: count, adopted: count };
  }

  #summarise(deployment: number, at: string, to: State, applied: string | undefined): void {
    const outcome = applied === undefined || !isEventType(applied) ? undefined : outcomeOf(applied);
    const summary = this.#summaries.get(deployment) ??
      { first: at, last: at, state: to, movedTraffic: false };
    summary.last = at;
    summary.state = to;
    if (outcome !== undefined) summary.ended = { outcome, at, event: applied! };
    if (applied === TRAFFIC_EVENT) summary.movedTraffic = true;
    this.#summaries.set(deployment, summary);
  }

  /** '' means none; text that is not JSON is kept as a JSON string. */
  #payload(key: string, value: SqlValue): string | null {
    const payload = text(value);
    if (payload === null || payload === "") return null;
    try {
      JSON.parse(payload);
      return payload;
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
      return wrapped;
    }
  }

  /** What the events say ended a deployment, unless a later event put it back in flight. */
  #endedByEvents(id: number): EventSummary["ended"] {
    const summary = this.#summaries.get(id);
    return summary && !isInFlight(summary.state) ? summary.ended : undefined;
  }

  #deployments(
    goRows: { d: GoRow; key: string; app: string }[],
    configApps: Map<number, string>,
  ): AdoptedDeployment[] {
    const db = this.#db;
    const rows = goRows.map(({ d, key, app }) => ({
      d,
      key,
      id: Number(d.id),
      app_name: app,
      started_at: this.#time(
        "deployments",
        key,
        "started_at",
        d.started_at,
        this.#summaries.get(Number(d.id))?.first ?? EPOCH,
      ),
    }));
    const missing = [...this.#missing.values()].map((m) => ({
      ...m,
      started_at: this.#summaries.get(m.id)!.first,
    }));
    // Each app's latest deployment and each deployment's successor, rebuilt ones included: a
    // deployment left in flight by a Go process that a later one (even a missing one) followed
    // is over, or the app would stay locked.
    const byApp = new Map<string, { id: number; started_at: string }[]>();
    for (const row of [...rows, ...missing]) {
      byApp.set(row.app_name, [...(byApp.get(row.app_name) ?? []), row]);
    }
    const successor = new Map<number, string>();
    const latest = new Set<number>();
    for (const list of byApp.values()) {
      list.sort((a, b) => later(a, b) ? 1 : later(b, a) ? -1 : 0);
      list.forEach((row, i) => {
        if (i + 1 < list.length) successor.set(row.id, list[i + 1].started_at);
        else latest.add(row.id);
      });
    }
    const appOf = new Map([...rows, ...missing].map((r) => [r.id, r.app_name]));
    const adopted: AdoptedDeployment[] = [];
    for (const { d, key, id, app_name: app, started_at: started } of rows) {
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
      const byEvents = this.#endedByEvents(id);
      if (status === "in_progress") {
        if (byEvents !== undefined) {
          // The Go code never updates a deployment's status: its events say how it ended.
          status = byEvents.outcome;
          ended = byEvents.at;
          this.#repair(
            "deployments",
            key,
            "status",
            word,
            status,
            `its ${byEvents.event} event ended it (ended_at set to that event's time)`,
          );
        } else if (ended !== null) {
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
        ended = this.#summaries.get(id)?.last ?? started;
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
      const configId = this.#configOf(key, app, d.config_id, configApps);
      let rollbackOf = d.rollback_of === null || Number(d.rollback_of) === 0
        ? null
        : Number(d.rollback_of);
      const rollbackApp = rollbackOf === null ? undefined : appOf.get(rollbackOf);
      if (rollbackOf !== null && (rollbackApp !== app || rollbackOf >= id)) {
        // A rollback goes back to an earlier deployment of the same app; one naming itself or a
        // later id would also come before its target in an export, which a loader enforcing
        // foreign keys refuses.
        const reason = rollbackApp === undefined
          ? "no such deployment"
          : rollbackApp !== app
          ? `deployment ${rollbackOf} is of app ${rollbackApp}`
          : `deployment ${rollbackOf} is not an earlier one`;
        this.#repair("deployments", key, "rollback_of", rollbackOf, null, reason);
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
        moved_traffic: this.#summaries.get(id)?.movedTraffic ?? false,
      });
    }
    for (const m of missing) {
      const summary = this.#summaries.get(m.id)!;
      const status = this.#endedByEvents(m.id)?.outcome ?? "failed";
      db.run(
        `INSERT INTO deployments (id, app_name, config_id, image, started_at, ended_at, status, active_color)
         VALUES (?, ?, NULL, 'unknown', ?, ?, ?, 'blue')`,
        m.id,
        m.app_name,
        summary.first,
        summary.last,
        status,
      );
      this.#repair(
        "deployments",
        `id=${m.id}`,
        null,
        null,
        status,
        `missing, but ${m.events} event(s) refer to it: rebuilt from them (image unknown, color blue)`,
      );
      adopted.push({
        id: m.id,
        app_name: m.app_name,
        started_at: summary.first,
        status,
        active_color: "blue",
        image: "unknown",
        ended_at: summary.last,
        moved_traffic: false,
      });
    }
    this.rows.deployments = { go: rows.length, adopted: adopted.length };
    return adopted;
  }

  /** A deployment's config: NULL (reported) when it is missing or another app's. */
  #configOf(
    key: string,
    app: string,
    value: SqlValue,
    configApps: Map<number, string>,
  ): number | null {
    // 0 is Go's zero value: no config.
    if (value === null || Number(value) === 0) return null;
    const id = Number(value);
    const owner = configApps.get(id);
    if (owner === app) return id;
    this.#repair(
      "deployments",
      key,
      "config_id",
      value,
      null,
      owner === undefined ? "no such config" : `config ${id} is of app ${owner}, not ${app}`,
    );
    return null;
  }

  #currentState(deployments: AdoptedDeployment[]): void {
    const db = this.#db;
    const latestOf = new Map<string, AdoptedDeployment>();
    for (const d of deployments) {
      const known = latestOf.get(d.app_name);
      if (known === undefined || later(d, known)) latestOf.set(d.app_name, d);
    }
    const goRows = db.all<GoRow>("SELECT * FROM go_current_state ORDER BY app_name");
    const byId = new Set(deployments.map((d) => d.id));
    const seen = new Set<string>();
    let written = 0;
    for (const s of goRows) {
      const goApp = text(s.app_name) ?? "";
      const key = `app=${goApp}`;
      const app = this.#usableApp(goApp);
      if (app !== goApp) {
        this.#repair("current_state", key, "app_name", goApp, app, UNUSABLE_APP_NAME);
      }
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
      const live = this.#livePair(key, deployments, latest, text(s.active_color), text(s.image));
      this.#insertState(
        app,
        latest.id,
        live,
        status,
        this.#time("current_state", key, "updated_at", s.updated_at, this.#now),
        word,
      );
      written++;
    }
    for (const [app, latest] of latestOf) {
      if (seen.has(app)) continue;
      const status = this.#stateStatus(`app=${app}`, "", latest);
      this.#insertState(
        app,
        latest.id,
        this.#livePair(`app=${app}`, deployments, latest, null, null),
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

  /**
   * What serves an app's traffic: the in-flight deployment once its events moved traffic;
   * otherwise the color the Go row names (any color when there is no row), with the image of
   * the app's latest deployment that brought that color up. The Go tool's `ready` rows (and its
   * state machine's) pair the old color with the new deployment's image, and `switch` keeps the
   * image of the row it replaces: the Go row's image is only a claim.
   */
  #livePair(
    key: string,
    deployments: AdoptedDeployment[],
    latest: AdoptedDeployment,
    goColor: string | null,
    goImage: string | null,
  ): { color: string; image: string } | null {
    const app = latest.app_name;
    let live: AdoptedDeployment | undefined;
    let why = "";
    if (latest.status === "in_progress" && latest.moved_traffic) {
      live = latest;
      why = `deployment ${latest.id} in flight has moved traffic to ${latest.active_color}`;
    } else {
      const wanted = goColor === null ? undefined : goColor;
      for (const d of deployments) {
        if (d.app_name !== app || !(d.status === "success" || d.moved_traffic)) continue;
        if (wanted !== undefined && d.active_color !== wanted) continue;
        if (live === undefined || later(d, live)) live = d;
      }
      if (live !== undefined) {
        why = `deployment ${live.id} brought up ${live.active_color} with ${live.image}`;
      }
    }
    if (goColor === null && goImage === null) {
      return live ? { color: live.active_color, image: live.image } : null;
    }
    if (live === undefined) {
      if (goColor !== "" || goImage !== "") {
        this.#repair(
          "current_state",
          key,
          "active_color",
          `${goColor}/${goImage}`,
          null,
          `no deployment of ${app} brought up ${
            goColor || "a color"
          }: what serves traffic is unknown`,
        );
      }
      return null;
    }
    if (live.active_color !== goColor || live.image !== goImage) {
      this.#repair(
        "current_state",
        key,
        "active_color",
        `${goColor}/${goImage}`,
        `${live.active_color}/${live.image}`,
        `the Go row's color and image are not what serves traffic: ${why}`,
      );
    }
    return { color: live.active_color, image: live.image };
  }

  /** The state word for an app given its latest deployment, reporting any change of meaning. */
  #stateStatus(key: string, word: string, latest: AdoptedDeployment): State {
    const mapped = GO_STATE_STATUS[word.toLowerCase()];
    let status: State;
    if (latest.status === "in_progress") {
      const last = this.#summaries.get(latest.id)?.state;
      status = last !== undefined && isInFlight(last) ? last : "starting";
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
    live: { color: string; image: string } | null,
    status: State,
    updatedAt: string,
    legacy: string | null,
  ): void {
    this.#db.run(
      `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at, legacy_status)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      app,
      deploymentId,
      live?.color ?? null,
      live?.image ?? null,
      status,
      updatedAt,
      legacy,
    );
  }
}
