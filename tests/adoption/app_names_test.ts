/** Go app names no command takes, adopted under usable names: in-process, name by name. */
import { assertEquals } from "../_assert.ts";
import { adoptAppName, renameUnusableApps } from "../../src/adoption/app_names.ts";
import { RowRepairs } from "../../src/adoption/repairs.ts";

Deno.test("unusable Go app names get a cleaned name, never one another app has, -2, -3 on a clash", () => {
  // As Go's `dockswap deploy "my app" ...` and `deploy my/app` store them, beside a real my-app.
  const renames = renameUnusableApps(["web", "my app", "my-app", "my/app", "/srv", "😀", ""]);
  assertEquals(
    [...renames].sort(),
    [["/srv", "srv"], ["my app", "my-app-2"], ["my/app", "my-app-3"], ["😀", "app"]],
  );
});

Deno.test("a Go BLOB app name ([]byte) is read as its UTF-8 text", () => {
  const renames = renameUnusableApps([new TextEncoder().encode("a b")]);
  assertEquals([...renames], [["a b", "a-b"]]);
});

Deno.test("adopting a row's app name: kept, renamed, or `unknown` for an empty one, each change a repair", () => {
  const renames = renameUnusableApps(["my app"]);
  const kept = new RowRepairs("deployments", "id=1");
  assertEquals(adoptAppName("web-api", { renames, repairs: kept }), "web-api");
  assertEquals(kept.list, []);

  const renamed = new RowRepairs("deployments", "id=2");
  assertEquals(adoptAppName("my app", { renames, repairs: renamed }), "my-app");
  assertEquals(renamed.list.map((r) => [r.column, r.old_value, r.new_value]), [
    ["app_name", "my app", "my-app"],
  ]);

  const empty = new RowRepairs("app_configs", "id=3");
  assertEquals(adoptAppName("", { renames, repairs: empty }), "unknown");
  assertEquals(empty.list, [{
    table: "app_configs",
    row: "id=3",
    column: "app_name",
    old_value: "",
    new_value: "unknown",
    reason: "empty app name",
  }]);
});
