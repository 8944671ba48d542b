/**
 * Benchmark 6, queries at scale: status, one app's history, one deployment's events and one
 * app's config history, run through the real operations (validation, transaction, mapping) on
 * the at-scale dataset, against the same SQL on a bare node:sqlite connection; with each plan.
 */
import { DatabaseSync } from "node:sqlite";
import { type BenchOptions, type BenchReport, median, reported } from "./_harness.ts";
import { AT_SCALE, datasetIn } from "./_dataset.ts";
import { openDatabase } from "../src/db/open.ts";
import { execute, OPERATIONS } from "../src/operations/mod.ts";
import { HISTORY_SQL } from "../src/store/deployments.ts";
import { EVENTS_OF_DEPLOYMENT_SQL } from "../src/store/events.ts";
import { CONFIG_HISTORY_SQL } from "../src/store/configs.ts";

interface Query {
  label: string;
  method: string;
  params: Record<string, unknown>;
  sql: string;
  args: (string | number)[];
}

/** Each query in milliseconds, ours and raw, with its EXPLAIN QUERY PLAN. */
export function queries(options: BenchOptions): Promise<BenchReport> {
  const dataset = datasetIn(options.dir, options.quick ? { ...AT_SCALE, apps: 100 } : AT_SCALE);
  const app = "app-00042";
  const deployment = Math.floor(dataset.deployments / 2) + 43;
  const list: Query[] = [
    {
      label: "status (all apps)",
      method: "state.list",
      params: {},
      sql: "SELECT app_name, deployment_id, active_color, image, status, updated_at " +
        "FROM current_state ORDER BY app_name",
      args: [],
    },
    {
      label: "history of one app",
      method: "deploy.history",
      params: { app_name: app },
      sql: HISTORY_SQL,
      args: [app, 1_000_000],
    },
    {
      label: "events of one deployment",
      method: "events.list",
      params: { deployment_id: deployment },
      sql: EVENTS_OF_DEPLOYMENT_SQL,
      args: [deployment],
    },
    {
      label: "config history of one app",
      method: "config.history",
      params: { app_name: app },
      sql: CONFIG_HISTORY_SQL,
      args: [app, 1_000_000],
    },
  ];
  const db = openDatabase(dataset.path);
  const raw = new DatabaseSync(dataset.path, { readOnly: true });
  const runs = options.quick ? 20 : 200;
  const figures = [];
  const details: string[] = [];
  try {
    for (const query of list) {
      const operation = OPERATIONS.get(query.method)!;
      const context = { db, now: () => new Date().toISOString() };
      const statement = raw.prepare(query.sql);
      const rows = (execute(context, operation, query.params) as unknown[]).length;
      const ours: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < runs; i++) {
        let t = performance.now();
        execute(context, operation, query.params);
        ours.push(performance.now() - t);
        t = performance.now();
        statement.all(...query.args);
        base.push(performance.now() - t);
      }
      const o = median(ours);
      const b = median(base);
      figures.push(reported({
        label: `${query.label} (${rows} rows)`,
        ours: o,
        baseline: b,
        unit: "ms",
        ratio: o / b,
        ratioMeaning: "ours/raw time",
      }));
      const plan = raw.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.args) as {
        detail: string;
      }[];
      details.push(
        `${query.label}, \`${query.method}\`:`,
        "",
        "```",
        query.sql.replace(/\s+/g, " "),
        ...plan.map((step) => `  ${step.detail}`),
        "```",
        "",
      );
    }
  } finally {
    db.close();
    raw.close();
  }
  return Promise.resolve({
    id: 6,
    title: "Queries at scale",
    method:
      `On ${dataset.shape.apps} apps, ${dataset.deployments} deployments, ${dataset.events} ` +
      `events: median of ${runs} runs of each operation in-process (parameter validation, read ` +
      `transaction, row mapping, payload parsing) against the same SQL through a bare ` +
      `node:sqlite prepared statement (\`all()\`). Ours includes BEGIN/COMMIT of the snapshot.`,
    figures,
    details,
  });
}
