/** The rule for Go app_configs rows, row by row, as the Go state machine and tool write them. */
import { assertEquals } from "../_assert.ts";
import { goTime, goTimeOld } from "../fixtures/make_go_dockswap_db.ts";
import { renameUnusableApps } from "../../src/adoption/app_names.ts";
import { adoptConfig } from "../../src/adoption/config_rule.ts";
import { sha256Hex } from "../../src/hash.ts";

const NONE = renameUnusableApps([]);

Deno.test("a state machine config (YAML = the image name, SHA `sha-stub`) gets the YAML's SHA-256, logged", () => {
  const { row, repairs } = adoptConfig({
    id: 1,
    app_name: "worker",
    config_yaml: "registry.local/worker:1.0",
    config_sha: "sha-stub",
    created_at: goTime("2025-07-20", "09:00:00", "123456789"),
  }, NONE);
  assertEquals(row, {
    id: 1,
    app_name: "worker",
    config_yaml: "registry.local/worker:1.0",
    config_sha: sha256Hex("registry.local/worker:1.0"),
    created_at: "2025-07-20T09:00:00.123Z",
  });
  assertEquals(repairs.map((r) => [r.table, r.row, r.column, r.old_value, r.reason]), [
    ["app_configs", "id=1", "config_sha", "sha-stub", "not a lower-case SHA-256"],
  ]);
});

Deno.test("a config already in this schema's shape is copied as it is, with no repair", () => {
  const sha = sha256Hex("name: web\n");
  const { row, repairs } = adoptConfig({
    id: 7,
    app_name: "web",
    config_yaml: "name: web\n",
    config_sha: sha,
    created_at: goTimeOld("2025-07-21", "09:00:00", "25"),
  }, NONE);
  assertEquals(row.config_sha, sha);
  assertEquals(row.created_at, "2025-07-21T09:00:00.250Z");
  assertEquals(repairs, []);
});

Deno.test("an upper-case SHA is lower-cased; an unusable app renamed; an unreadable time becomes 1970, each logged in that order", () => {
  const sha = sha256Hex("x").toUpperCase();
  const { row, repairs } = adoptConfig({
    id: 2,
    app_name: "my app",
    config_yaml: "x",
    config_sha: sha,
    created_at: "yesterday",
  }, renameUnusableApps(["my app"]));
  assertEquals([row.app_name, row.config_sha, row.created_at], [
    "my-app",
    sha.toLowerCase(),
    "1970-01-01T00:00:00.000Z",
  ]);
  assertEquals(repairs.map((r) => [r.column, r.old_value, r.new_value]), [
    ["config_sha", sha, sha.toLowerCase()],
    ["app_name", "my app", "my-app"],
    ["created_at", "yesterday", "1970-01-01T00:00:00.000Z"],
  ]);
});
