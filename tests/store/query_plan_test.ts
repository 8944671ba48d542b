/** Query speed is asserted through plans, never clocks: each hot query must use an index. */
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { openDatabase } from "../../src/db/open.ts";
import { CONFIG_HISTORY_SQL, LATEST_CONFIG_SQL } from "../../src/store/configs.ts";
import {
  HISTORY_BY_STATUS_SQL,
  HISTORY_SQL,
  LAST_SUCCESS_SQL,
} from "../../src/store/deployments.ts";
import {
  CURRENT_DEPLOYMENT_SQL,
  DEPLOYMENT_WITH_STATE_SQL,
} from "../../src/store/current_deployment.ts";
import { EVENTS_OF_DEPLOYMENT_SQL } from "../../src/store/events.ts";
import { LIVE_DEPLOYMENT_SQL } from "../../src/store/live.ts";
import {
  EXPORT_SPECS,
  EXPORT_TABLES,
  type ExportFilter,
  FIRST_HELD_EVENT_OF_APP_SQL,
  FIRST_HELD_EVENT_SQL,
  linePageQuery,
  pageQuery,
  unsafeIntegerQuery,
} from "../../src/store/export.ts";
import {
  COUNT_IN_RANGE_SQL,
  DEPLOYMENTS_IN_RANGE_SQL,
  ERRORS_OF_DEPLOYMENT_SQL,
  FAILURES_IN_RANGE_SQL,
} from "../../src/store/report.ts";
import type { SqlValue } from "../../src/db/database.ts";

const LINE_LAYOUT = { typed: false, before: "", after: "\n" };

/** The exact statements the stores run, with sample parameters. */
const QUERIES: Record<string, [string, SqlValue[], string]> = {
  "history of an app": [HISTORY_SQL, ["web-api", 10], "deployments_by_app_time"],
  "history of an app by status": [
    HISTORY_BY_STATUS_SQL,
    ["web-api", "success", 10],
    "deployments_by_app_time",
  ],
  "default rollback target": [LAST_SUCCESS_SQL, ["web-api", 3], "deployments_by_app_time"],
  "events of a deployment": [
    EVENTS_OF_DEPLOYMENT_SQL,
    [7],
    "deployment_events_by_deployment_time",
  ],
  "live deployment of an app": [
    LIVE_DEPLOYMENT_SQL,
    ["web-api", "caddy_updated"],
    "deployments_by_app_time",
  ],
  // Both joins also look the deployment up by its integer primary key (no SCAN is asserted).
  "an app's current deployment with its state": [
    CURRENT_DEPLOYMENT_SQL,
    ["web-api"],
    "sqlite_autoindex_current_state_1",
  ],
  "a deployment with its app's state": [
    DEPLOYMENT_WITH_STATE_SQL,
    [7],
    "sqlite_autoindex_current_state_1",
  ],
  "config history of an app": [CONFIG_HISTORY_SQL, ["web-api", 10], "app_configs_by_app_time"],
  "latest config of an app": [LATEST_CONFIG_SQL, ["web-api"], "app_configs_by_app_time"],
  "first event an incremental export holds back": [
    FIRST_HELD_EVENT_SQL,
    [40],
    "deployment_events_by_deployment_time",
  ],
  "first event of an app an incremental export holds back": [
    FIRST_HELD_EVENT_OF_APP_SQL,
    [40, "web-api"],
    "deployment_events_by_deployment_time",
  ],
  "report: an app's deployments in a time range": [
    DEPLOYMENTS_IN_RANGE_SQL,
    ["web-api", "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    "deployments_by_app_time",
  ],
  "report: how many deployments an app started in a time range": [
    COUNT_IN_RANGE_SQL,
    ["web-api", "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    "deployments_by_app_time",
  ],
  "report: an app's failures in a time range": [
    FAILURES_IN_RANGE_SQL,
    ["web-api", "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    "deployments_by_app_time",
  ],
  "report: the error texts of a deployment": [
    ERRORS_OF_DEPLOYMENT_SQL,
    [7],
    "deployment_events_by_deployment_time",
  ],
};

for (const [name, [sql, params, index]] of Object.entries(QUERIES)) {
  Deno.test(`query plan: ${name} uses ${index}, no table scan, no sort`, async () => {
    await using dir = await tempDir();
    const db = openDatabase(`${dir.path}/d.db`);
    try {
      const plan = db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params)
        .map((row) => row.detail);
      assert(plan.some((d) => d.includes(`INDEX ${index}`)), `${name}: ${plan.join(" | ")}`);
      assertEquals(plan.filter((d) => /^SCAN /.test(d)), [], `${name}: ${plan.join(" | ")}`);
      assertEquals(plan.filter((d) => /TEMP B-TREE/.test(d)), [], `${name}: ${plan.join(" | ")}`);
    } finally {
      db.close();
    }
  });
}

Deno.test("query plan: an export page seeks its start on the key and never sorts", async () => {
  await using dir = await tempDir();
  const db = openDatabase(`${dir.path}/d.db`);
  try {
    const filters: [string, ExportFilter][] = [
      ["everything", {}],
      ["after a cursor", { afterId: 41 }],
      ["one app after a cursor", { app: "web-api", afterId: 41 }],
      ["one app in a time window", { app: "web-api", since: "2026-01-01", until: "2026-02-01" }],
    ];
    for (const table of ["events", "deployments", "configs"] as const) {
      for (const [name, filter] of filters) {
        const { sql, params } = pageQuery(table, filter, 1234);
        const plan = db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params)
          .map((row) => row.detail).join(" | ");
        const what = `${table}, ${name}: ${plan}`;
        // One seek to the page's first key, whatever else filters the rows.
        assert(plan.includes("USING INTEGER PRIMARY KEY (rowid>?)"), what);
        assert(!plan.includes("TEMP B-TREE"), what);
        assertEquals((sql.match(/\bid > \?/g) ?? []).length, 1, what);
        // The JSON lines' page: the same search, its rows handed on in key order (co-routines,
        // no sort) to the group_concat that joins them.
        for (const json of ["minified", "as stored"] as const) {
          const lines = linePageQuery(table, filter, 1234, LINE_LAYOUT, ["id"], json);
          const linesPlan = db.all<{ detail: string }>(
            `EXPLAIN QUERY PLAN ${lines.sql}`,
            ...lines.params,
          ).map((row) => row.detail).join(" | ");
          assert(linesPlan.includes("USING INTEGER PRIMARY KEY (rowid>?)"), linesPlan);
          assert(linesPlan.includes("CO-ROUTINE"), linesPlan);
          assert(!linesPlan.includes("TEMP B-TREE"), linesPlan);
          assert(!linesPlan.includes("MATERIALIZE"), linesPlan);
        }
      }
    }
  } finally {
    db.close();
  }
});

Deno.test("query plan: export's check for integers beyond 2^53 searches, never scans", async () => {
  await using dir = await tempDir();
  const db = openDatabase(`${dir.path}/q.db`);
  try {
    for (const table of EXPORT_TABLES) {
      const integers = db.all<{ name: string }>(
        "SELECT name FROM pragma_table_info(?) WHERE type = 'INTEGER'",
        EXPORT_SPECS[table].table,
      ).map((column) => column.name).filter((name) => EXPORT_SPECS[table].columns.includes(name));
      assert(integers.length > 0, table);
      const plan = db.all<{ detail: string }>(
        `EXPLAIN QUERY PLAN ${unsafeIntegerQuery(table, integers)}`,
      ).map((row) => row.detail);
      const what = `${table}: ${plan.join(" | ")}`;
      // Two bounds per column, each one search of the rowid or of an index led by the column:
      // the check costs the same for a table of ten rows or of ten million.
      assertEquals(
        plan.filter((detail) => detail.startsWith("SEARCH")).length,
        integers.length * 2,
        what,
      );
      assert(
        !plan.some((detail) => detail.startsWith("SCAN ") && detail !== "SCAN CONSTANT ROW"),
        what,
      );
    }
  } finally {
    db.close();
  }
});

Deno.test("query plan: report's range reads seek both ends of the range on the index", async () => {
  await using dir = await tempDir();
  const db = openDatabase(`${dir.path}/d.db`);
  try {
    for (const sql of [DEPLOYMENTS_IN_RANGE_SQL, COUNT_IN_RANGE_SQL, FAILURES_IN_RANGE_SQL]) {
      const plan = db.all<{ detail: string }>(
        `EXPLAIN QUERY PLAN ${sql}`,
        "web-api",
        "2026-11-01T00:00:00.000Z",
        "2026-12-01T00:00:00.000Z",
      ).map((row) => row.detail).join(" | ");
      // Rows outside the range are never read, however long the app's history.
      assert(plan.includes("(app_name=? AND started_at>? AND started_at<?)"), plan);
    }
  } finally {
    db.close();
  }
});
