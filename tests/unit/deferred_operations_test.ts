/**
 * The history reads are deferred operations (src/operations/history.ts): their schemas load when
 * a caller needs them. What they load is what the server serves, and the row columns a command
 * prints without them (an empty CSV's header) are the ones their result schema names.
 */
import * as z from "zod";
import { assert, assertEquals } from "../_assert.ts";
import * as history from "../../src/operations/history.ts";
import type { DeferredOperation, Operation } from "../../src/operations/operation.ts";
import { OPERATIONS } from "../../src/operations/mod.ts";

const DEFERRED = (Object.values(history) as unknown[]).filter((value): value is DeferredOperation =>
  typeof value === "object" && value !== null && "schemas" in value
);

Deno.test("each deferred read loads the schemas the server serves it with", async () => {
  assertEquals(DEFERRED.map((operation) => operation.name).sort(), [
    "deploy.get",
    "deploy.history",
    "events.list",
    "state.get",
    "state.list",
  ]);
  for (const operation of DEFERRED) {
    const served = OPERATIONS.get(operation.name) as Operation;
    const loaded = await operation.schemas();
    assert(served.params === loaded.params, `${operation.name}: params`);
    assert(served.result === loaded.result, `${operation.name}: result`);
    assert(served.run === operation.run && served.quickParams === operation.quickParams);
  }
});

Deno.test("a deferred read's row columns are its result schema's", async () => {
  for (const operation of DEFERRED) {
    const { result } = await operation.schemas();
    const rows = result instanceof z.ZodArray && result.element instanceof z.ZodObject
      ? Object.keys(result.element.shape)
      : undefined;
    assertEquals(operation.rowColumns, rows, operation.name);
  }
});

Deno.test("db.export loads the schemas the server serves it with; export to stdout, the same without output", async () => {
  const { exportToFile, exportToStream } = await import("../../src/operations/export.ts");
  const served = OPERATIONS.get("db.export") as unknown as { params: z.ZodType; result: z.ZodType };
  const toFile = await exportToFile().schemas();
  assert(served.params === toFile.params && served.result === toFile.result);
  const toStream = await exportToStream({ writeSync: (p) => p.length }).schemas();
  assert(toStream.result === toFile.result);
  const keys = (schema: z.ZodType) => Object.keys(z.toJSONSchema(schema).properties ?? {});
  assertEquals(keys(toFile.params), ["output", ...keys(toStream.params)]);
});
