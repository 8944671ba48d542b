/**
 * The raw baseline of benchmark 2 as its own process, so that its process start is timed as the
 * server's is: what a user would write by hand on node:sqlite (the statements the operations
 * run, same pragmas), with none of the server's parsing, validation or JSON.
 * `deno run -A bench/raw_lifecycle.ts DB APPS run|app` on a file `createSchema` made.
 */
import { HAPPY_EVENTS, RawLifecycle } from "./_lifecycle.ts";

/** The lifecycle of `apps` apps, one transaction for the run or one per app. */
export function rawLoop(path: string, apps: number, commitEvery: "run" | "app"): void {
  const raw = new RawLifecycle(path);
  if (commitEvery === "run") raw.begin();
  for (let i = 0; i < apps; i++) {
    if (commitEvery === "app") raw.begin();
    raw.addConfig(i);
    raw.startDeployment(i);
    for (let k = 0; k < HAPPY_EVENTS.length; k++) raw.event(i, k);
    if (commitEvery === "app") raw.commit();
  }
  if (commitEvery === "run") raw.commit();
  raw.close();
}

if (import.meta.main) {
  const [path, apps, commitEvery] = Deno.args;
  if (
    !path || !Number.isInteger(Number(apps)) || (commitEvery !== "run" && commitEvery !== "app")
  ) {
    throw new Error("usage: raw_lifecycle.ts DB APPS run|app");
  }
  rawLoop(path, Number(apps), commitEvery);
}
