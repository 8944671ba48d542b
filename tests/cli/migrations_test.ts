import { DatabaseSync } from "node:sqlite";
import { type Migration, MIGRATIONS } from "../../migrations/mod.ts";
import { CENTRAL_MIGRATIONS } from "../../migrations/central/mod.ts";
import { Database } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import {
  APPLICATION_ID,
  markAsDockswapFile,
  migrationChecksum,
  readHistory,
} from "../../src/db/identity.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { query, tableCounts } from "../_db.ts";
import { databaseAtSchema, storeOverDeepPayload } from "../_older_files.ts";

const WEB_API = `${FIXTURES}apps/web-api.yaml`;

/** A made-up migration with its checksum, as migrations/mod.ts writes them. */
function withChecksum(migration: Omit<Migration, "checksum">): Migration {
  return { ...migration, checksum: migrationChecksum(migration.sql) };
}

Deno.test("a new database is created mode 0600 with WAL, its application id and all migrations", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/nested/folders/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  assertEquals((await Deno.stat(db)).mode! & 0o777, 0o600);
  assertEquals(query(db, "PRAGMA journal_mode"), [{ journal_mode: "wal" }]);
  assertEquals(query(db, "PRAGMA application_id"), [{ application_id: APPLICATION_ID }]);
  const history = query<{ version: number; name: string; checksum: string }>(
    db,
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
  assertEquals(
    history,
    MIGRATIONS.map((m) => ({
      version: m.version,
      name: m.name,
      checksum: m.releasedChecksum ?? migrationChecksum(m.sql),
    })),
  );
  const status = await cliJson<{ state: string }[]>(db, ["migrate", "status"]);
  assert(status.every((s) => s.state === "applied"));
});

Deno.test("every embedded migration carries the SHA-256 of its file, as sha256sum computes it", async () => {
  const folders: [string, readonly { name: string; sql: string; checksum: string }[]][] = [
    ["migrations", MIGRATIONS],
    ["migrations/central", CENTRAL_MIGRATIONS],
  ];
  for (const [folder, migrations] of folders) {
    for (const migration of migrations) {
      const path = new URL(`../../${folder}/${migration.name}`, import.meta.url).pathname;
      const { stdout } = await new Deno.Command("sha256sum", { args: [path] }).output();
      const fromFile = new TextDecoder().decode(stdout).split(" ")[0];
      assertEquals(migration.checksum, fromFile, `${folder}/${migration.name}`);
      assertEquals(migrationChecksum(migration.sql), fromFile, `${folder}/${migration.name}`);
    }
  }
});

Deno.test("the migration checksum ignores CRLF line endings and a BOM", () => {
  const sql = "CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER);\n";
  assertEquals(migrationChecksum("\uFEFF" + sql.replaceAll("\n", "\r\n")), migrationChecksum(sql));
});

Deno.test("several processes opening one fresh file apply each migration exactly once", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  const results = await Promise.all(
    Array.from({ length: 6 }, () => cli(["--db", db, "--json", "config", "add", WEB_API])),
  );
  for (const result of results) assertEquals(result.code, 0, result.stderr);
  assertEquals(
    query(db, "SELECT version, count(*) AS n FROM schema_migrations GROUP BY version"),
    MIGRATIONS.map((m) => ({ version: m.version, n: 1 })),
  );
  assertEquals(query(db, "SELECT count(*) AS n FROM app_configs"), [{ n: 1 }]);
  assertEquals(results.filter((r) => JSON.parse(r.stdout).created).length, 1);
});

Deno.test("a database made by a newer dockswap-db is refused, naming both versions", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const raw = new DatabaseSync(db);
  raw.prepare(
    "INSERT INTO schema_migrations VALUES (999, '0999_future.sql', ?, '2030-01-01T00:00:00.000Z', 1)",
  ).run("0".repeat(64));
  raw.close();
  const before = tableCounts(db);
  const beforeBytes = await Deno.readFile(db);
  for (
    const args of [["config", "history", "web-api"], [
      "config",
      "add",
      `${FIXTURES}apps/worker.yaml`,
    ]]
  ) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, 6);
    assertStringIncludes(result.stderr, "newer dockswap-db");
    assertStringIncludes(result.stderr, "999");
    assertStringIncludes(result.stderr, `up to ${MIGRATIONS.at(-1)!.version}`);
    assertStringIncludes(result.stderr, "schema_too_new");
  }
  assertEquals(tableCounts(db), before);
  assertEquals(await Deno.readFile(db), beforeBytes);
});

Deno.test("an applied migration whose checksum differs is refused, naming the file and both hashes", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", WEB_API]);
  const raw = new DatabaseSync(db);
  raw.prepare("UPDATE schema_migrations SET checksum = ? WHERE version = 1").run("a".repeat(64));
  raw.close();
  const result = await cli(["--db", db, "config", "history", "web-api"]);
  assertEquals(result.code, 6);
  assertStringIncludes(result.stderr, MIGRATIONS[0].name);
  assertStringIncludes(result.stderr, "a".repeat(64));
  assertStringIncludes(result.stderr, migrationChecksum(MIGRATIONS[0].sql));
});

Deno.test("a migration corrected after release does what its released text did wherever that ran, and databases record the released checksum", async () => {
  const released = await Deno.readTextFile(
    `${FIXTURES}migrations/0008_payload_spacing.released.sql`,
  );
  const current = MIGRATIONS.find((m) => m.version === 8)!;
  assertEquals(current.releasedChecksum, migrationChecksum(released));
  const asReleased = { ...current, sql: released, checksum: migrationChecksum(released) };
  await using dir = await tempDir();
  // Events of schema 7 with compact, NULL and spaced payloads, migrated by either text.
  const migrated = (name: string, payloads: (string | null)[], version8: Migration) => {
    const path = `${dir.path}/${name}.db`;
    const db = new Database(path);
    try {
      migrate(db, MIGRATIONS.filter((m) => m.version < 8), () => markAsDockswapFile(db));
      db.exec(`INSERT INTO deployments (id, app_name, image, started_at, status, active_color)
        VALUES (1, 'web', 'web:1', '2026-01-01T00:00:00.000Z', 'in_progress', 'green')`);
      payloads.forEach((payload, i) =>
        db.run(
          `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state,
             to_state, payload, created_at) VALUES (1, 'web', 'deploy', 'stable', 'starting', ?, ?)`,
          payload,
          `2026-01-01T00:00:0${i}.000Z`,
        )
      );
      migrate(db, MIGRATIONS.map((m) => m.version === 8 ? version8 : m), () => {});
    } finally {
      db.close();
    }
    return path;
  };
  const schema = (path: string) =>
    query(path, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
  for (
    const [name, payloads] of [
      ["compact", ['{"a":"b c"}', null, "[1,2]"]],
      ["spaced", ['{"a":1}', '{ "a": 1 }', null]],
    ] as const
  ) {
    const byRelease = migrated(`${name}-released`, [...payloads], asReleased);
    const byCurrent = migrated(`${name}-current`, [...payloads], current);
    assertEquals(schema(byRelease), schema(byCurrent), name);
    assertEquals(
      query(byRelease, "SELECT * FROM payload_spacing"),
      query(byCurrent, "SELECT * FROM payload_spacing"),
      name,
    );
    // Every build, those before the correction too, finds the checksum it knows.
    for (const path of [byRelease, byCurrent]) {
      assertEquals(
        query(path, "SELECT checksum FROM schema_migrations WHERE version = 8"),
        [{ checksum: current.releasedChecksum }],
      );
      await cliJson(path, ["config", "add", WEB_API]);
    }
  }

  // A file recorded with the corrected text's own checksum (builds before it recorded the
  // released one) is accepted too, and migrate status shows what the file records.
  const own = migrated("own", [], { ...current, releasedChecksum: undefined });
  await cliJson(own, ["config", "add", WEB_API]);
  const status = await cliJson<{ version: number; checksum: string }[]>(own, ["migrate", "status"]);
  assertEquals(status.find((m) => m.version === 8)?.checksum, current.checksum);
});

Deno.test("a SQLite file of another application is refused and left untouched", async () => {
  await using dir = await tempDir();
  const foreignId = `${dir.path}/foreign-id.db`;
  let raw = new DatabaseSync(foreignId);
  raw.exec("PRAGMA application_id = 1234; CREATE TABLE notes (x TEXT)");
  raw.close();
  const foreignTables = `${dir.path}/foreign-tables.db`;
  raw = new DatabaseSync(foreignTables);
  raw.exec("CREATE TABLE notes (x TEXT)");
  raw.close();
  for (const db of [foreignId, foreignTables]) {
    const before = await Deno.readFile(db);
    const result = await cli(["--db", db, "config", "add", WEB_API]);
    assertEquals(result.code, 6, result.stderr);
    assertStringIncludes(result.stderr, "not_a_dockswap_database");
    assertEquals(await Deno.readFile(db), before);
    assertEquals(query(db, "SELECT name FROM sqlite_schema"), [{ name: "notes" }]);
  }
  const directory = await cli(["--db", dir.path, "config", "history", "web-api"]);
  assertEquals(directory.code, 8);
  assertStringIncludes(directory.stderr, "path is a directory");
});

Deno.test("a failing migration leaves no trace: it and its history row commit together", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  const good = withChecksum({
    version: 1,
    name: "0001_good.sql",
    sql: "CREATE TABLE a (x INTEGER) STRICT;",
  });
  const bad = withChecksum({
    version: 2,
    name: "0002_bad.sql",
    sql: "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO missing_table VALUES (1);",
  });
  const db = new Database(path);
  try {
    assertThrows(() => migrate(db, [good, bad]), /missing_table/);
    assertEquals(readHistory(db).map((h) => h.version), [1]);
    assertEquals(
      db.all("SELECT name FROM sqlite_schema WHERE name IN ('a', 'b') ORDER BY name").map((r) => ({
        ...r,
      })),
      [{ name: "a" }],
    );
    const fixed = withChecksum({ ...bad, sql: "CREATE TABLE b (y INTEGER) STRICT;" });
    assertEquals(migrate(db, [good, fixed]).map((m) => m.version), [2]);
  } finally {
    db.close();
  }
});

Deno.test("a migration runs with foreign keys off but may not leave a reference dangling", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  const parents = withChecksum({
    version: 1,
    name: "0001_parents.sql",
    sql: `CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT;
      CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)) STRICT;
      INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (1), (2);`,
  });
  // Rebuilding a parent table (drop, rename) needs foreign keys off, as SQLite documents.
  const rebuild = withChecksum({
    version: 2,
    name: "0002_rebuild.sql",
    sql: `CREATE TABLE parent_new (id INTEGER PRIMARY KEY, note TEXT) STRICT;
      INSERT INTO parent_new (id) SELECT id FROM parent; DROP TABLE parent;
      ALTER TABLE parent_new RENAME TO parent;`,
  });
  const dangling = withChecksum({
    version: 3,
    name: "0003_dangling.sql",
    sql: "DELETE FROM parent WHERE id = 2;",
  });
  const db = new Database(path);
  try {
    assertEquals(migrate(db, [parents, rebuild]).map((m) => m.version), [1, 2]);
    assertThrows(
      () => migrate(db, [parents, rebuild, dangling]),
      /0003_dangling.sql.*child -> parent/,
    );
    assertEquals(readHistory(db).map((h) => h.version), [1, 2]);
    assertEquals(db.all("SELECT id FROM parent ORDER BY id").map((r) => r.id), [1, 2]);
    // Foreign keys are on again afterwards.
    assertEquals(db.get<{ foreign_keys: number }>("PRAGMA foreign_keys")?.foreign_keys, 1);
  } finally {
    db.close();
  }
});

Deno.test("a migration stopped by a row another program stored against the schema's rules is refused as the file's data, not as a bug", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/six.db`;
  databaseAtSchema(db, 6);
  // Migration 0007's new column re-checks the table's rules.
  storeOverDeepPayload(db, { withDeployment: true });
  const before = tableCounts(db);
  const result = await cli(["--db", db, "status"]);
  assertEquals(result.code, 6, result.stderr);
  assertStringIncludes(result.stderr, 'Migration 0007_event_chain.sql cannot be applied to "');
  assertStringIncludes(result.stderr, `--db ${db} doctor`);
  assertStringIncludes(result.stderr, "[database_corrupt]");
  assertEquals(query(db, "SELECT max(version) AS v FROM schema_migrations"), [{ v: 6 }]);
  assertEquals(tableCounts(db), before);
});
