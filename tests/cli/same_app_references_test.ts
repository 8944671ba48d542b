/**
 * Schema 3: an event belongs to its deployment's app and a deployment uses a config of its own
 * app (or none), enforced by the database itself: checked here through the `sqlite3` shell,
 * bypassing dockswap-db entirely.
 */
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, tempDir } from "../_cli.ts";
import { query } from "../_db.ts";

async function sqlite3(path: string, sql: string, foreignKeys = "ON") {
  const output = await new Deno.Command("sqlite3", {
    args: [path, `PRAGMA foreign_keys = ${foreignKeys}; ${sql}`],
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

function rows(path: string) {
  return ["app_configs", "deployments", "deployment_events"].map((t) =>
    query(path, `SELECT * FROM ${t} ORDER BY id`)
  );
}

const EVENT_RULE = "deployment_events.app_name must be the app_name of its deployment";
const CONFIG_RULE = "deployments.config_id must name a config of the same app_name";
const AT = "'2026-01-01T00:00:00.000Z'";

function event(deploymentId: number, app: string): string {
  return `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state, created_at)
          VALUES (${deploymentId}, '${app}', 'container_started', 'starting', 'health_check', ${AT})`;
}

function endedDeployment(app: string, configId: number | null): string {
  return `INSERT INTO deployments (app_name, config_id, image, started_at, ended_at, status, active_color)
          VALUES ('${app}', ${configId ?? "NULL"}, '${app}:1', ${AT}, ${AT}, 'failed', 'blue')`;
}

Deno.test("the database refuses an event of another app than its deployment's, and a deployment using another app's config", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  for (const app of ["alpha", "beta"]) {
    const file = `${dir.path}/${app}.yaml`;
    await Deno.writeTextFile(
      file,
      `name: ${app}\ndocker:\n  expose_port: 8080\nports: {blue: 8081, green: 8082}\n` +
        `health_check:\n  endpoint: /health\n  success_threshold: 1\n  expected_status: 200\n`,
    );
    assertEquals((await cli(["--db", db, "config", "add", file])).code, 0);
  }
  const started = await cli(["--db", db, "deploy", "start", "alpha", "--image", "alpha:1"]);
  assertEquals(started.code, 0, started.stderr);
  // alpha: config 1, deployment 1 (in flight, one event); beta: config 2.

  // Rows that keep to the rule are accepted: beta's own config, no config, beta's own deployment.
  for (const sql of [endedDeployment("beta", 2), endedDeployment("beta", null), event(2, "beta")]) {
    const run = await sqlite3(db, sql);
    assertEquals(run.code, 0, `${sql}: ${run.stderr}`);
  }
  const before = rows(db);
  const refused: [string, string][] = [
    [event(1, "beta"), EVENT_RULE],
    [event(1, ""), EVENT_RULE],
    [endedDeployment("beta", 1), CONFIG_RULE],
    ["UPDATE deployment_events SET app_name = 'beta' WHERE deployment_id = 1", EVENT_RULE],
    ["UPDATE deployment_events SET deployment_id = 1 WHERE deployment_id = 2", EVENT_RULE],
    ["UPDATE deployments SET config_id = 2 WHERE id = 1", CONFIG_RULE],
    ["UPDATE deployments SET app_name = 'beta' WHERE id = 1", EVENT_RULE + "|" + CONFIG_RULE],
    ["UPDATE deployments SET app_name = 'gamma' WHERE id = 2", EVENT_RULE + "|" + CONFIG_RULE],
    ["UPDATE app_configs SET app_name = 'beta' WHERE id = 1", CONFIG_RULE],
  ];
  for (const [sql, rule] of refused) {
    const run = await sqlite3(db, sql);
    assertEquals(run.code === 0, false, `accepted: ${sql}`);
    const rules = rule.split("|");
    assertEquals(rules.some((r) => run.stderr.includes(r)), true, `${sql}: ${run.stderr}`);
  }
  assertEquals(rows(db), before);

  // With foreign keys off a child can be written before its parent: the parent of another app
  // is then refused, whichever row came first.
  const orphans = [
    event(99, "beta").replace("(deployment_id,", "(id, deployment_id,").replace(
      "VALUES (",
      "VALUES (99, ",
    ),
    endedDeployment("beta", 50),
  ];
  for (const sql of orphans) assertEquals((await sqlite3(db, sql, "OFF")).code, 0, sql);
  const withOrphans = rows(db);
  for (
    const [sql, rule] of [
      [
        endedDeployment("alpha", null).replace("(app_name,", "(id, app_name,").replace(
          "VALUES (",
          "VALUES (99, ",
        ),
        EVENT_RULE,
      ],
      [
        `INSERT INTO app_configs (id, app_name, config_yaml, config_sha, created_at)
        VALUES (50, 'alpha', 'name: alpha', '${"a".repeat(64)}', ${AT})`,
        CONFIG_RULE,
      ],
    ]
  ) {
    const run = await sqlite3(db, sql, "OFF");
    assertEquals(run.code === 0, false, `accepted: ${sql}`);
    assertStringIncludes(run.stderr, rule);
  }
  assertEquals(rows(db), withOrphans);
  for (
    const sql of [
      "DELETE FROM deployment_events WHERE id = 99",
      "DELETE FROM deployments WHERE config_id = 50",
    ]
  ) {
    assertEquals((await sqlite3(db, sql, "OFF")).code, 0, sql);
  }
  // The tool's own history of alpha still works on top.
  const event2 = await cli(["--db", db, "deploy", "event", "1", "container_started"]);
  assertEquals(event2.code, 0, event2.stderr);
  assertStringIncludes((await cli(["--db", db, "doctor"])).stdout, "every reference resolves");
});
