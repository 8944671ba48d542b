/** db.doctor and db.prune end to end, through the real `dockswap-db rpc` subprocess. */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, createDatabase, tempDir } from "../_cli.ts";
import { tableCounts } from "../_db.ts";
import { addHistory } from "../_history.ts";
import { RpcProcess } from "../_rpc.ts";

interface DoctorResult {
  ok: boolean;
  checks: { check: string; status: string; detail: string; hint: string | null }[];
}

interface PruneResult {
  dry_run: boolean;
  cutoff: string | null;
  deployments: { id: number; app_name: string; time: string }[];
  events: number;
  configs: { id: number }[];
  kept_as_rollback_target: number[];
}

Deno.test("rpc db.doctor: a healthy file is ok; a stuck deployment is a result with ok false and a working hint", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  addHistory(db, { app: "web-api", deployments: 2 });
  await using rpc = new RpcProcess(db);
  const healthy = await rpc.call(1, "db.doctor");
  assertEquals(healthy.error, undefined);
  const report = healthy.result as DoctorResult;
  assertEquals(report.ok, true, JSON.stringify(report));
  // The same checks, in the same order, as `doctor --json` prints.
  const viaCli = JSON.parse((await cli(["--db", db, "--json", "doctor"])).stdout) as DoctorResult;
  assertEquals(report.checks.map((c) => c.check), viaCli.checks.map((c) => c.check));
  assertEquals(report.checks.length, 12);

  addHistory(db, {
    app: "worker",
    deployments: 1,
    inFlight: true,
    inFlightSince: "2026-01-01T00:00:00.000Z",
  });
  const stuck = await rpc.call(2, "db.doctor", { stuck_after_ms: 60_000 });
  assertEquals(stuck.error, undefined, "a failed check is a result, not an error");
  const failed = stuck.result as DoctorResult;
  assertEquals(failed.ok, false);
  const check = failed.checks.find((c) => c.check === "stuck_deployments")!;
  assertEquals(check.status, "fail");
  // Over RPC the hint names the method and its params; `doctor` on the CLI prints the command.
  assertEquals(check.hint, 'method deploy.recover (app_name="worker")');
  const stuckViaCli = JSON.parse(
    (await cli(["--db", db, "--json", "doctor", "--stuck-after", "1m"])).stdout,
  ) as DoctorResult;
  assertEquals(
    stuckViaCli.checks.find((c) => c.check === "stuck_deployments")!.hint,
    `dockswap-db --db ${db} recover worker`,
  );

  // Bad params change nothing and say what is wrong.
  for (const params of [{ stuck_after_ms: 0 }, { stuck_after_ms: 1e15 }, { stuck_after: 1 }]) {
    const bad = await rpc.call(3, "db.doctor", params);
    assertEquals(bad.error?.code, -32602, JSON.stringify(bad));
  }
  const end = await rpc.close();
  assertEquals(end.code, 0, end.stderr);
  // The hint works: the method it names, then doctor over RPC again is ok.
  await using follow = new RpcProcess(db);
  const recovered = await follow.call(5, "deploy.recover", { app_name: "worker" });
  assertEquals(recovered.error, undefined, JSON.stringify(recovered));
  assertEquals((await follow.close()).code, 0);
  await using again = new RpcProcess(db);
  assertEquals(((await again.call(4, "db.doctor")).result as DoctorResult).ok, true);
});

Deno.test("rpc db.prune: a dry run by default, dry_run false deletes exactly what it listed", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await createDatabase(db);
  const web = addHistory(db, { app: "web-api", deployments: 5 });
  addHistory(db, { app: "worker", deployments: 2 });
  const before = tableCounts(db);
  await using rpc = new RpcProcess(db);

  const dry = await rpc.call(1, "db.prune", { keep_last: 2, app_name: "web-api" });
  assertEquals(dry.error, undefined, JSON.stringify(dry));
  const plan = dry.result as PruneResult;
  assertEquals(plan.dry_run, true);
  assertEquals(plan.deployments.map((d) => d.id), web.deployments.slice(0, 3));
  assert(plan.events > 0);
  assertEquals(tableCounts(db), before, "a dry run changed the database");

  // Refused params: nothing to select by, zero, a duration past the maximum, an unknown key.
  for (
    const params of [
      { app_name: "web-api" },
      { keep_last: 0 },
      { older_than_ms: 1e15 },
      { keep_last: 1, yes: true },
      { keep_last: 1, app_name: "no such app!" },
    ]
  ) {
    const bad = await rpc.call(2, "db.prune", params);
    assertEquals(bad.error?.code, -32602, JSON.stringify(bad));
  }
  assertEquals(tableCounts(db), before);

  const done = await rpc.call(3, "db.prune", {
    keep_last: 2,
    app_name: "web-api",
    dry_run: false,
  });
  assertEquals(done.error, undefined, JSON.stringify(done));
  const result = done.result as PruneResult;
  assertEquals(result.dry_run, false);
  assertEquals(result.deployments, plan.deployments);
  assertEquals(result.events, plan.events);
  const after = tableCounts(db);
  assertEquals(after.deployments, before.deployments - 3);
  assertEquals(after.deployment_events, before.deployment_events - plan.events);

  // older_than_ms: a cutoff in the result; nothing of 2026 is a century old.
  const old = await rpc.call(4, "db.prune", { older_than_ms: 36_500 * 86_400_000 });
  assertStringIncludes((old.result as PruneResult).cutoff ?? "", "T");
  assertEquals((old.result as PruneResult).deployments, []);
  const end = await rpc.close();
  assertEquals(end.code, 0, end.stderr);
});
