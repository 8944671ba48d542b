/**
 * The README's shell examples, run as written: `deploy.sh` and the coprocess client, with the
 * real dockswap-db on PATH and a real database. Docker, curl, Caddy's reload script and sleep
 * are small shims whose behaviour each case sets through the environment; nothing else is faked.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { cleanEnv, commandLine, FIXTURES, tempDir } from "./_cli.ts";
import { query } from "./_db.ts";

const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));

/** The ```bash block of the README whose text contains `marker`. */
function readmeScript(marker: string): string {
  const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]);
  const found = blocks.filter((block) => block.includes(marker));
  if (found.length !== 1) throw new Error(`README: ${found.length} bash blocks hold "${marker}"`);
  return found[0];
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

const SHIMS: Record<string, string> = {
  "dockswap-db": `exec ${[Deno.execPath(), ...commandLine()].map(quote).join(" ")} "$@"`,
  docker: `echo "docker $*" >> "$WORK/docker.log"
case $1 in
  run) [ "\${DOCKER_RUN:-}" = fail ] && exit 1; echo 0123456789ab ;;
  rm) [ "\${DOCKER_RM:-}" = fail ] && exit 1 ;;
esac
exit 0`,
  curl: `printf '%s' "\${HEALTH_CODE:-200}"`,
  sleep: "exit 0",
};

/** A folder with the scripts, the shims on PATH, web-api.yaml and a database. */
async function workspace(
  dir: string,
): Promise<
  (
    script: string,
    args: string[],
    env?: Record<string, string>,
  ) => Promise<{ code: number; stderr: string }>
> {
  await Deno.mkdir(`${dir}/bin`);
  for (const [name, body] of Object.entries(SHIMS)) {
    await Deno.writeTextFile(`${dir}/bin/${name}`, `#!/usr/bin/env bash\n${body}\n`, {
      mode: 0o755,
    });
  }
  await Deno.writeTextFile(
    `${dir}/switch-caddy.sh`,
    '#!/usr/bin/env bash\n[ "${CADDY:-}" = fail ] && exit 1\nexit 0\n',
    { mode: 0o755 },
  );
  await Deno.writeTextFile(`${dir}/deploy.sh`, readmeScript("# deploy.sh APP IMAGE CONFIG"), {
    mode: 0o755,
  });
  await Deno.copyFile(`${FIXTURES}apps/web-api.yaml`, `${dir}/web-api.yaml`);
  await Deno.copyFile(`${FIXTURES}apps/worker.yaml`, `${dir}/worker.yaml`);
  return async (script, args, env = {}) => {
    const output = await new Deno.Command("bash", {
      args: [script, ...args],
      cwd: dir,
      clearEnv: true,
      env: cleanEnv({
        PATH: `${dir}/bin:${Deno.env.get("PATH")}`,
        WORK: dir,
        DOCKSWAP_DB: `${dir}/dockswap.db`,
        ...env,
      }),
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  };
}

function eventsOf(db: string, deployment: number): string[] {
  return query<{ event_type: string }>(
    db,
    "SELECT event_type FROM deployment_events WHERE deployment_id = ? ORDER BY id",
    deployment,
  ).map((row) => row.event_type);
}

function stateOf(db: string, app: string) {
  return query<{ status: string; active_color: string | null; image: string | null }>(
    db,
    "SELECT status, active_color, image FROM current_state WHERE app_name = ?",
    app,
  )[0];
}

function deployments(db: string, app: string): [number, string][] {
  return query<{ id: number; status: string }>(
    db,
    "SELECT id, status FROM deployments WHERE app_name = ? ORDER BY id",
    app,
  ).map((row) => [row.id, row.status]);
}

Deno.test("README deploy.sh: success, auto-rollback, a failed app left alone, a crash recovered", async () => {
  await using dir = await tempDir();
  const run = await workspace(dir.path);
  const db = `${dir.path}/dockswap.db`;
  const deploy = (app: string, image: string, env?: Record<string, string>) =>
    run("./deploy.sh", [app, image, `${app}.yaml`], env);

  const ok = await deploy("web-api", "web-api:1");
  assertEquals(ok.code, 0, ok.stderr);
  assertEquals(eventsOf(db, 1), [
    "deploy",
    "container_started",
    "health_check_passed",
    "caddy_updated",
    "drain_complete",
    "container_stopped",
  ]);
  assertEquals(stateOf(db, "web-api"), {
    status: "stable",
    active_color: "blue",
    image: "web-api:1",
  });

  // A failing health check rolls back; blue stays live.
  const unhealthy = await deploy("web-api", "web-api:2", { HEALTH_CODE: "503" });
  assertEquals(unhealthy.code, 1, unhealthy.stderr);
  assertEquals(eventsOf(db, 2), [
    "deploy",
    "container_started",
    "health_check_failed",
    "rollback_complete",
  ]);
  assertEquals(stateOf(db, "web-api"), {
    status: "stable",
    active_color: "blue",
    image: "web-api:1",
  });

  // The old container cannot be stopped: the app is failed, and a re-run must not clear that.
  const stuck = await deploy("web-api", "web-api:3", { DOCKER_RM: "fail" });
  assertEquals(stuck.code, 1, stuck.stderr);
  assertEquals(stateOf(db, "web-api").status, "failed");
  const again = await deploy("web-api", "web-api:4");
  assertEquals(again.code, 5, again.stderr);
  assertStringIncludes(again.stderr, "recover web-api");
  assertEquals(stateOf(db, "web-api").status, "failed");
  assertEquals(deployments(db, "web-api"), [[1, "success"], [2, "rolled_back"], [3, "failed"]]);

  // A run that crashed in health_check left its deployment in flight: the next run abandons it.
  const start = await run("dockswap-db", [
    "deploy",
    "start",
    "worker",
    "--image",
    "worker:1",
    "--config",
    "worker.yaml",
  ]);
  assertEquals(start.code, 0, start.stderr);
  await run("dockswap-db", ["deploy", "event", "--app", "worker", "container_started"]);
  assertEquals(stateOf(db, "worker").status, "health_check");
  const resumed = await deploy("worker", "worker:2");
  assertEquals(resumed.code, 0, resumed.stderr);
  const [abandoned, fresh] = deployments(db, "worker");
  assertEquals(abandoned[1], "failed");
  assertEquals(eventsOf(db, abandoned[0]).at(-1), "manual_recovery");
  assertEquals(fresh[1], "success");
  assertEquals(stateOf(db, "worker"), {
    status: "stable",
    active_color: "blue",
    image: "worker:2",
  });
});

Deno.test("README coprocess client: deploys through one rpc server and sees the refusal", async () => {
  await using dir = await tempDir();
  const run = await workspace(dir.path);
  const db = `${dir.path}/coproc.db`;
  const script = readmeScript("coproc DB").replace("/var/lib/dockswap/dockswap.db", db);
  await Deno.writeTextFile(`${dir.path}/client.sh`, script);
  const result = await run("./client.sh", []);
  assertEquals(result.code, 0, result.stderr);
  assertStringIncludes(result.stderr, "[invalid_transition]");
  assertEquals(deployments(db, "web-api"), [[1, "success"]]);
  assertEquals(stateOf(db, "web-api"), {
    status: "stable",
    active_color: "blue",
    image: "registry.local/web-api:1.4.2",
  });
  assert(eventsOf(db, 1).length === 6);
});
