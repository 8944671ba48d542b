/** doctor's config_sha check: every stored hash is the SHA-256 of its text, adopted rows apart. */
import { DatabaseSync } from "node:sqlite";
import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { cli, cliJson, FIXTURES, tempDir } from "../_cli.ts";
import { GO_SCHEMA } from "../fixtures/make_go_dockswap_db.ts";

interface DoctorReport {
  ok: boolean;
  checks: { check: string; status: string; detail: string; hint: string | null }[];
}

async function configShaCheck(db: string) {
  const result = await cli(["--db", db, "--json", "doctor"]);
  const report = JSON.parse(result.stdout) as DoctorReport;
  const check = report.checks.find((c) => c.check === "config_sha");
  if (!check) throw new Error(`no config_sha check: ${result.stdout}`);
  return { code: result.code, check };
}

/** Changes a stored config's text behind the tool's back, as a hand edit would. */
function editBehindTheToolsBack(db: string, id: number): void {
  const raw = new DatabaseSync(db);
  raw.prepare("UPDATE app_configs SET config_yaml = config_yaml || '# edited' WHERE id = ?")
    .run(id);
  raw.close();
}

Deno.test("doctor fails a config whose stored text no longer has its config_sha", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/d.db`;
  await cliJson(db, ["config", "add", `${FIXTURES}apps/web-api.yaml`]);
  await cliJson(db, ["config", "add", `${FIXTURES}apps/worker.yaml`]);
  const healthy = await configShaCheck(db);
  assertEquals([healthy.code, healthy.check.status], [0, "ok"]);
  assertStringIncludes(healthy.check.detail, "2 of 2 config(s) match");

  editBehindTheToolsBack(db, 2);
  const damaged = await configShaCheck(db);
  assertEquals([damaged.code, damaged.check.status], [1, "fail"]);
  assertStringIncludes(damaged.check.detail, "1 config(s) whose config_sha is not the SHA-256");
  assertStringIncludes(damaged.check.detail, "worker config 2");
  assertStringIncludes(damaged.check.hint!, `dockswap-db --db ${db} config add FILE`);
});

Deno.test("doctor tells configs adopted with a Go hash apart from damaged ones", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/go.db`;
  // A Go dockswap file whose configs carry hashes that are not of their text: a foreign
  // 64-hex one (kept as is by adoption) and an upper-case one (lower-cased and logged).
  const go = new DatabaseSync(db);
  go.exec(GO_SCHEMA);
  go.exec(
    "INSERT INTO schema_version (version, applied_at) VALUES (202507101010, '2025-07-10 10:10:00')",
  );
  const insert = go.prepare(
    "INSERT INTO app_configs (id, app_name, config_yaml, config_sha, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  insert.run(1, "web", "name: web\n", "ab".repeat(32), "2025-07-20 10:00:00.5 +0000 UTC");
  insert.run(2, "web", "name: web\n# 2\n", "CD".repeat(32), "2025-07-21 10:00:00 +0000 UTC");
  go.close();
  // Before adoption, doctor leaves the file as it is and reports the same rows as Go's.
  const notYetAdopted = await configShaCheck(db);
  assertEquals(notYetAdopted.check.status, "ok");
  assertStringIncludes(notYetAdopted.check.detail, "2 written by the Go dockswap");
  const adopting = await cli(["--db", db, "status"]);
  assertStringIncludes(adopting.stderr, "Adopted Go dockswap database");

  const adopted = await configShaCheck(db);
  assertEquals([adopted.code, adopted.check.status], [0, "ok"]);
  assertStringIncludes(
    adopted.check.detail,
    "0 of 2 config(s) match the SHA-256 of their YAML; 2 written by the Go dockswap",
  );
  assertStringIncludes(adopted.check.detail, "web config 1, web config 2");

  // A version stored after adoption and then damaged is damage, adopted ones are not.
  const worker = await Deno.readTextFile(`${FIXTURES}apps/worker.yaml`);
  await cliJson(db, ["config", "add", "-"], { stdin: worker.replace("name: worker", "name: web") });
  editBehindTheToolsBack(db, 3);
  const damaged = await configShaCheck(db);
  assertEquals([damaged.code, damaged.check.status], [1, "fail"]);
  assertStringIncludes(damaged.check.detail, "1 config(s) whose config_sha is not the SHA-256");
  assertStringIncludes(damaged.check.detail, ": web config 3; 2 written by the Go dockswap");
});
