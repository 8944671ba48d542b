/**
 * The store's whole-row inserts adoption writes through, on a real file of the latest schema: a
 * row goes in as given, its id and legacy columns included (that every column is named is
 * tests/unit/records_columns_test.ts's to check).
 */
import { assertEquals, assertThrows } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { openDatabase } from "../../src/db/open.ts";
import {
  insertAdoptionLogRow,
  insertFullConfig,
  insertFullCurrentState,
  insertFullDeployment,
  insertFullEvent,
} from "../../src/store/full_rows.ts";

Deno.test("whole rows go in as given, ids and Go status words kept; the schema still checks them", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/d.db`;
  const db = openDatabase(path);
  try {
    db.write(() => {
      const at = "2025-07-24T14:32:20.123Z";
      insertFullConfig(db, {
        id: 7,
        app_name: "web",
        config_yaml: "name: web\n",
        config_sha: "a".repeat(64),
        created_at: at,
      });
      insertFullDeployment(db, {
        id: 40,
        app_name: "web",
        config_id: 7,
        image: "web:1",
        started_at: at,
        ended_at: at,
        status: "success",
        active_color: "green",
        rollback_of: null,
        legacy_status: "ready",
        chain_head: null,
      });
      insertFullEvent(db, {
        id: 90,
        deployment_id: 40,
        app_name: "web",
        event_type: "deploy",
        from_state: "stable",
        to_state: "starting",
        payload: '{"a": 1}',
        error: null,
        created_at: at,
        hash: null,
      });
      insertFullCurrentState(db, {
        app_name: "web",
        deployment_id: 40,
        active_color: "green",
        image: "web:1",
        status: "stable",
        updated_at: at,
        legacy_status: "active",
      });
      insertAdoptionLogRow(db, {
        adopted_at: at,
        table_name: "deployments",
        row_key: "id=40",
        column_name: "config_id",
        old_value: "1",
        new_value: null,
        reason: "no such config",
      });
      // The schema's own rules still hold: an event of another app than its deployment's.
      assertThrows(() =>
        insertFullEvent(db, {
          id: 91,
          deployment_id: 40,
          app_name: "api",
          event_type: "deploy",
          from_state: "stable",
          to_state: "starting",
          payload: null,
          error: null,
          created_at: at,
          hash: null,
        })
      );
    });
  } finally {
    db.close();
  }
  assertEquals(query(path, "SELECT id, legacy_status FROM deployments"), [
    { id: 40, legacy_status: "ready" },
  ]);
  assertEquals(query(path, "SELECT id, payload FROM deployment_events"), [
    { id: 90, payload: '{"a": 1}' },
  ]);
  assertEquals(query(path, "SELECT legacy_status FROM current_state"), [{
    legacy_status: "active",
  }]);
  assertEquals(query(path, "SELECT row_key, old_value FROM adoption_log"), [
    { row_key: "id=40", old_value: "1" },
  ]);
});
