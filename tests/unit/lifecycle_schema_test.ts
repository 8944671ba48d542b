/** The schema's CHECK lists and the state machine in code must name the same words. */
import { assertEquals } from "../_assert.ts";
import { MIGRATIONS } from "../../migrations/mod.ts";
import { COLORS } from "../../src/color.ts";
import { DEPLOYMENT_STATUSES, EVENTS, STATES } from "../../src/lifecycle.ts";

const SCHEMA = MIGRATIONS.map((m) => m.sql).join("\n");

/** The quoted words of the `column ... IN (...)` check(s) of a column, in schema order. */
function checkLists(column: string): string[][] {
  const pattern = new RegExp(`\\b${column}\\b[^;]*?\\bIN \\(([^)]*)\\)`, "g");
  return [...SCHEMA.matchAll(pattern)].map((m) =>
    [...m[1].matchAll(/'([^']*)'/g)].map((w) => w[1])
  );
}

Deno.test("event_type CHECK lists exactly the state machine's events", () => {
  assertEquals(checkLists("event_type"), [[...EVENTS]]);
});

Deno.test("from_state, to_state and current_state.status CHECKs list exactly its states", () => {
  assertEquals(checkLists("from_state"), [[...STATES]]);
  assertEquals(checkLists("to_state"), [[...STATES]]);
  // deployments.status first, then current_state.status.
  assertEquals(checkLists("status"), [[...DEPLOYMENT_STATUSES], [...STATES]]);
});

Deno.test("deployments.active_color and current_state.active_color CHECKs list exactly the colors", () => {
  assertEquals(checkLists("active_color"), [[...COLORS], [...COLORS]]);
});
