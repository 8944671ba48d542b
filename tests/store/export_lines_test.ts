/**
 * The JSON lines of `export` (ndjson and json) are written by SQLite (json_object): they must be
 * byte for byte what JSON.stringify makes of each value as node:sqlite reads it, for every table,
 * over several pages, with strings that JSON escapes (quotes, backslashes, every control
 * character), non-ASCII text, what SQLite stores for a lone surrogate, text that is not UTF-8,
 * NULLs, payloads that are JSON null or spaced out, and integers JavaScript cannot hold. With
 * every payload compact the lines carry the stored text, else json()'s: the same bytes.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { openDatabase } from "../../src/db/open.ts";
import {
  EXPORT_SPECS,
  EXPORT_TABLES,
  exportObjectPages,
  type ExportTable,
  type ObjectLayout,
  valueObjectPages,
} from "../../src/store/export.ts";
import type { Database } from "../../src/db/database.ts";

const EVERY_LOW_CHARACTER = Array.from({ length: 0x300 }, (_, i) => String.fromCharCode(i)).join(
  "",
);

/** Text that JSON escapes or that is not ASCII; a lone surrogate is stored as U+FFFD. */
const TEXTS = [
  "plain",
  'say "hi" \\ back\\slash /slash',
  "\u0000\u0001\b\t\n\u000b\f\r\u001f\u007f",
  "é ü 中文 😀 \u2028\u2029 \ufeff",
  "lone \ud800 high, lone \udfff low",
  "</script><!--",
  EVERY_LOW_CHARACTER,
  "",
];

/** Spaced as an adopted Go payload may be: json() changes it. */
const SPACED_PAYLOAD = '{ "a" : 1.0,\n  "b" : [1 , 2e3, -0],\t"c":"\\u00e9\\n\\"" }';

const PAYLOADS = [
  null,
  "null",
  SPACED_PAYLOAD,
  '"a string"',
  "12345678901234567890",
  "[]",
  '{"s":"quote \\" and → ✓","nested":{"deep":[true,false,null]}}',
];

const LAYOUTS: Record<string, ObjectLayout> = {
  ndjson: { typed: false, before: "", after: "\n" },
  "ndjson, several tables": { typed: true, before: "", after: "\n" },
  json: { typed: false, before: ",\n", after: "" },
};

const hex = (n: number) => n.toString(16).padStart(64, "0");
const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();

/** The payloads json() leaves as they are (spaces inside strings included). */
const COMPACT_PAYLOADS = PAYLOADS.filter((payload) => payload !== SPACED_PAYLOAD);

/** Rows in every exported table: 300 events (three pages), by raw inserts. */
function fill(path: string, payloads = PAYLOADS): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA foreign_keys = ON");
  const text = (i: number) => `t${TEXTS[i % TEXTS.length]}`;
  const apps = TEXTS.map((name, i) => `app${name}-${i}`);
  db.exec("BEGIN");
  apps.forEach((app, a) => {
    db.prepare(
      "INSERT INTO app_configs (app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?)",
    ).run(app, `name: ${text(a)}\n`, hex(a), at(a));
    db.prepare(
      `INSERT INTO deployments (app_name, config_id, image, started_at, ended_at, status,
         active_color, legacy_status) VALUES (?, ?, ?, ?, ?, 'success', 'blue', ?)`,
    ).run(app, a + 1, `${text(a + 1)}:1`, at(a), at(a + 1), a % 2 === 0 ? null : text(a));
    db.prepare(
      `INSERT INTO current_state (app_name, deployment_id, active_color, image, status, updated_at)
       VALUES (?, ?, 'blue', ?, 'stable', ?)`,
    ).run(app, a + 1, `${text(a + 2)}:1`, at(a));
  });
  const insertEvent = db.prepare(
    `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
       payload, error, created_at, hash) VALUES (?, ?, 'deploy', 'stable', 'starting', ?, ?, ?, ?)`,
  );
  for (let i = 0; i < 300; i++) {
    const a = i % apps.length;
    insertEvent.run(
      a + 1,
      apps[a],
      payloads[i % payloads.length],
      i % 3 === 0 ? null : text(i),
      at(i),
      i % 4 === 0 ? null : hex(i),
    );
  }
  // Text that is not UTF-8 (written by another program): read as U+FFFD by node:sqlite.
  db.exec(
    `INSERT INTO deployment_events (deployment_id, app_name, event_type, from_state, to_state,
       error, created_at) VALUES (1, '${apps[0]}', 'deploy', 'stable', 'starting',
       CAST(X'61FF62C3' AS TEXT), '${at(300)}')`,
  );
  db.exec("COMMIT");
  db.close();
}

/** Each row as JSON.stringify writes its values (a JSON column's text spliced as SQLite's json() gives it). */
function expected(db: Database, table: ExportTable, layout: ObjectLayout): string {
  const spec = EXPORT_SPECS[table];
  const columns = spec.columns.map((column) =>
    spec.json.includes(column) ? `json(${column}) AS ${column}` : column
  );
  const rows = db.all<Record<string, string | number | null>>(
    `SELECT ${columns.join(", ")} FROM ${spec.table} ORDER BY ${spec.hasId ? "id" : "app_name"}`,
  );
  return rows.map((row) => {
    const fields = spec.columns.map((column) => {
      const value = row[column];
      const text = spec.json.includes(column) && value !== null
        ? String(value)
        : JSON.stringify(value);
      return `${JSON.stringify(column)}:${text}`;
    });
    if (layout.typed) fields.unshift(`"kind":${JSON.stringify(spec.kind)}`);
    return `${layout.before}{${fields.join(",")}}${layout.after}`;
  }).join("");
}

function written(pages: Iterable<{ rows: string; count: number }>): [string, number] {
  let text = "";
  let count = 0;
  for (const page of pages) {
    text += page.rows;
    count += page.count;
  }
  return [text, count];
}

for (
  const [payloads, spaced, name] of [
    [PAYLOADS, 1, "one payload spaced: json() of each"],
    [COMPACT_PAYLOADS, 0, "every payload compact: as stored"],
  ] as const
) {
  Deno.test(`export lines: SQLite's JSON text is JSON.stringify's, every table and layout (${name})`, async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/d.db`;
    openDatabase(path).close();
    fill(path, payloads);
    const db = openDatabase(path);
    try {
      assertEquals(
        db.get<{ spaced: number }>("SELECT spaced FROM payload_spacing")?.spaced,
        spaced,
      );
      for (const table of EXPORT_TABLES) {
        for (const [name, layout] of Object.entries(LAYOUTS)) {
          const want = expected(db, table, layout);
          const [text, count] = written(exportObjectPages(db, table, {}, layout));
          assertEquals(text, want, `${table}, ${name}`);
          assertEquals(
            written(valueObjectPages(db, table, {}, layout))[0],
            want,
            `${table}, ${name}`,
          );
          if (table === "events") assertEquals(count, 301);
        }
      }
      // A filtered export pages the same rows.
      const filter = { app: `app${TEXTS[1]}-1`, afterId: 3 };
      const layout = LAYOUTS.ndjson;
      assertEquals(
        written(exportObjectPages(db, "events", filter, layout))[0],
        written(valueObjectPages(db, "events", filter, layout))[0],
      );
    } finally {
      db.close();
    }
  });
}

Deno.test("export lines: an integer beyond 2^53 is refused as node:sqlite refuses it", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  openDatabase(path).close();
  fill(path);
  const raw = new DatabaseSync(path);
  // An event's id (the page key) and an event pointing at a deployment with such an id.
  raw.exec(
    `INSERT INTO deployments (id, app_name, config_id, image, started_at, ended_at, status,
       active_color) SELECT 9007199254740993, app_name, config_id, image, started_at, ended_at,
       status, active_color FROM deployments WHERE id = 1`,
  );
  const insert = (id: number | string, deployment: string, into = raw) =>
    into.exec(
      `INSERT INTO deployment_events (id, deployment_id, app_name, event_type, from_state,
         to_state, created_at) SELECT ${id}, ${deployment}, app_name, 'deploy', 'stable',
         'starting', '${at(9)}' FROM deployments WHERE id = 1`,
    );
  insert(1000, "9007199254740993");
  raw.close();
  const db = openDatabase(path);
  try {
    const failure = (pages: () => Iterable<unknown>) => {
      try {
        for (const _ of pages()) { /* read every page */ }
      } catch (error) {
        return (error as Error).message;
      }
      return "no error";
    };
    for (const table of ["events", "deployments"] as const) {
      const message = failure(() => valueObjectPages(db, table, {}, LAYOUTS.ndjson));
      assert(message.includes("9007199254740993"), message);
      assertEquals(failure(() => exportObjectPages(db, table, {}, LAYOUTS.ndjson)), message, table);
    }
    const again = new DatabaseSync(path);
    insert("9007199254740995", "1", again);
    again.close();
    const message = failure(() => valueObjectPages(db, "events", {}, LAYOUTS.ndjson));
    assertEquals(failure(() => exportObjectPages(db, "events", {}, LAYOUTS.ndjson)), message);
  } finally {
    db.close();
  }
});
