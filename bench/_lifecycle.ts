/**
 * The lifecycle workload of benchmarks 1 and 2, twice: as JSON-RPC request lines for the real
 * server, and as the same statements straight on node:sqlite (the raw baseline: same schema,
 * WAL, synchronous=FULL, the reads the operations do, the events' hash chain as
 * docs/monitoring.md defines it, no parsing, validation or JSON).
 */
import { createHash } from "node:crypto";
import { DatabaseSync, type StatementSync } from "node:sqlite";

/** The five events after `deploy` on the happy path, with their transitions. */
export const HAPPY_EVENTS = [
  ["container_started", "starting", "health_check"],
  ["health_check_passed", "health_check", "switching"],
  ["caddy_updated", "switching", "draining"],
  ["drain_complete", "draining", "stopping"],
  ["container_stopped", "stopping", "stable"],
] as const;

const TEMPLATE = Deno.readTextFileSync(
  new URL("../tests/fixtures/apps/web-api.yaml", import.meta.url),
);

/** The fixture config renamed to `app`. */
export function configFor(app: string): string {
  return TEMPLATE.replace(/^name: web-api$/m, `name: ${app}`);
}

/** The name of the i-th benchmark app. */
export function appName(i: number): string {
  return `app-${String(i).padStart(5, "0")}`;
}

/** The image the i-th app deploys. */
export function imageFor(i: number): string {
  return `registry.local/${appName(i)}:1.0.${i}`;
}

/** JSON-RPC request lines; ids count up from `firstId`. */
export class RequestLines {
  readonly lines: string[] = [];
  #id: number;

  constructor(firstId = 1) {
    this.#id = firstId;
  }

  add(method: string, params: unknown): this {
    this.lines.push(JSON.stringify({ jsonrpc: "2.0", id: this.#id++, method, params }));
    return this;
  }

  /** config.add and deploy.start of app i. */
  start(i: number): this {
    return this.add("config.add", { config_yaml: configFor(appName(i)) })
      .add("deploy.start", { app_name: appName(i), image: imageFor(i) });
  }

  /** The k-th happy-path event of app i. */
  event(i: number, k: number): this {
    return this.add("deploy.event", { app_name: appName(i), event_type: HAPPY_EVENTS[k][0] });
  }
}

/** The raw loop's connection: prepared statements for what the operations read and write. */
export class RawLifecycle {
  readonly db: DatabaseSync;
  readonly #s: Record<string, StatementSync>;
  readonly #deployments = new Map<number, number>();

  /**
   * Opens a bare node:sqlite connection to a file whose schema the real migrations made
   * (`createSchema`): this module imports nothing of dockswap-db, as a user's script would not.
   */
  constructor(path: string) {
    this.db = new DatabaseSync(path, { timeout: 10_000, enableForeignKeyConstraints: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = FULL");
    const p = (sql: string) => this.db.prepare(sql);
    this.#s = {
      latestConfig: p(
        "SELECT id, config_sha FROM app_configs WHERE app_name = ? ORDER BY created_at DESC, id DESC LIMIT 1",
      ),
      insertConfig: p(
        "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
      ),
      currentState: p("SELECT * FROM current_state WHERE app_name = ?"),
      insertDeployment: p(
        `INSERT INTO deployments (app_name, config_id, image, started_at, ended_at, status, active_color, rollback_of)
         VALUES (?, ?, ?, ?, NULL, 'in_progress', ?, NULL)`,
      ),
      // The chain's link: the deployment's head and the id the event will get (the hash covers it).
      chainLink: p(
        `SELECT chain_head, max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'deployment_events'), 0),
                                coalesce((SELECT max(id) FROM deployment_events), 0)) + 1 AS next_id
         FROM deployments WHERE id = ?`,
      ),
      insertEvent: p(
        `INSERT INTO deployment_events (id, deployment_id, app_name, event_type, from_state, to_state, payload, error, created_at, hash)
         VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`,
      ),
      setChainHead: p("UPDATE deployments SET chain_head = ? WHERE id = ?"),
      // The state's first row, then only the columns that change, as the operations write it.
      insertState: p(
        `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
         VALUES (?, ?, NULL, NULL, ?, ?)`,
      ),
      updateStatus: p("UPDATE current_state SET status = ?, updated_at = ? WHERE app_name = ?"),
      moveTraffic: p(
        `UPDATE current_state SET active_color = ?, image = ?, status = ?, updated_at = ?
         WHERE app_name = ?`,
      ),
      // An event's target: the app's state and its deployment in one read, as deploy.event reads.
      target: p(
        `SELECT d.id, d.status, d.active_color, d.image, s.status, s.active_color, s.image
         FROM current_state s JOIN deployments d ON d.id = s.deployment_id WHERE s.app_name = ?`,
      ),
      endDeployment: p(
        "UPDATE deployments SET status = ?, ended_at = ? WHERE id = ? AND status = 'in_progress'",
      ),
    };
  }

  begin(): void {
    this.db.exec("BEGIN IMMEDIATE");
  }

  commit(): void {
    this.db.exec("COMMIT");
  }

  /** config.add of app i (SHA-256 of the YAML included, as the operation computes it). */
  addConfig(i: number): void {
    const app = appName(i);
    const yaml = configFor(app);
    const sha = createHash("sha256").update(yaml).digest("hex");
    this.#s.latestConfig.get(app);
    this.#s.insertConfig.run(app, yaml, sha, new Date().toISOString());
  }

  /** deploy.start of app i. */
  startDeployment(i: number): void {
    const app = appName(i);
    this.#s.currentState.get(app);
    const config = this.#s.latestConfig.get(app) as { id: number };
    const now = new Date().toISOString();
    const deployment = Number(
      this.#s.insertDeployment.run(app, config.id, imageFor(i), now, "blue").lastInsertRowid,
    );
    this.#insertEvent(deployment, app, ["deploy", "stable", "starting"], now);
    this.#s.insertState.run(app, deployment, "starting", now);
    this.#deployments.set(i, deployment);
  }

  /** deploy.event: the k-th happy-path event of app i. */
  event(i: number, k: number): void {
    const app = appName(i);
    const [event, , to] = HAPPY_EVENTS[k];
    const deployment = this.#deployments.get(i)!;
    this.#s.target.get(app);
    const at = new Date().toISOString();
    this.#insertEvent(deployment, app, HAPPY_EVENTS[k], at);
    if (event === "caddy_updated") this.#s.moveTraffic.run("blue", imageFor(i), to, at, app);
    else this.#s.updateStatus.run(to, at, app);
    if (event === "container_stopped") this.#s.endDeployment.run("success", at, deployment);
  }

  /** An event without payload or error, chained: its hash over its columns and the head's. */
  #insertEvent(
    deployment: number,
    app: string,
    [event, from, to]: readonly [string, string, string],
    at: string,
  ): void {
    const link = this.#s.chainLink.get(deployment) as {
      chain_head: string | null;
      next_id: number;
    };
    const text = JSON.stringify([link.next_id, deployment, app, event, from, to, null, null, at]);
    const hash = createHash("sha256")
      .update(`${text.slice(0, -1)},${JSON.stringify(link.chain_head)}]`)
      .digest("hex");
    this.#s.insertEvent.run(link.next_id, deployment, app, event, from, to, at, hash);
    this.#s.setChainHead.run(hash, deployment);
  }

  close(): void {
    this.db.close();
  }
}
