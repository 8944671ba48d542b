/**
 * `deno task demo [--db PATH]`: a realistic morning on one host, played through the real CLI
 * (the same runCli the binary runs) on the default database: two apps deploy, a failed health
 * check rolls back automatically, an operator rolls back by hand, a failure is recovered; then
 * `status` and `history`. Every command is printed before its output, like a shell transcript.
 */
import { runCli } from "./mod.ts";
import { COMMANDS } from "./program.ts";
import { CliSpeaker } from "./speak.ts";
import { type CliIo, denoIo } from "./io.ts";
import { locateDatabase } from "./location.ts";
import { openDatabase } from "../db/open.ts";
import { DockswapError } from "../errors.ts";
import { isInFlight } from "../lifecycle.ts";
import { execute } from "../operations/mod.ts";
import { stateListOperation as stateList } from "../operations/history_schemas.ts";
import { nowIso } from "../time.ts";
// The configs travel inside the program (and its single-file bundle): nothing is read from disk.
import webApiV1 from "./demo_configs/web-api.yaml" with { type: "text" };
import webApiV2 from "./demo_configs/web-api-v2.yaml" with { type: "text" };
import worker from "./demo_configs/worker.yaml" with { type: "text" };

const DEMO_APPS = ["web-api", "worker"];

/** The events after `deploy start` of a deployment that succeeds, in order. */
const HAPPY_PATH = [
  "container_started",
  "health_check_passed",
  "caddy_updated",
  "drain_complete",
  "container_stopped",
];

/** A built-in config, by the file name the transcript shows. */
const CONFIGS: Record<string, string> = {
  "web-api.yaml": webApiV1,
  "web-api-v2.yaml": webApiV2,
  "worker.yaml": worker,
};

/** The --db the demo was given, if any: the last one, as dockswap-db itself takes it. */
function dbFlag(args: string[]): string | undefined {
  let db: string | undefined;
  args.forEach((arg, i) => {
    if (arg === "--db") db = args[i + 1];
    else if (arg.startsWith("--db=")) db = arg.slice("--db=".length);
  });
  return db;
}

/**
 * Refuses to run over an app that already has history: the scenario narrates first deployments
 * and sends payloads naming the colors a fresh app gets, which would be untrue the second time.
 */
function checkStartingPoint(path: string): void {
  const db = openDatabase(path);
  try {
    const states = execute({ db, now: nowIso }, stateList, {});
    for (const app of DEMO_APPS) {
      const current = states.find((state) => state.app_name === app);
      if (!current) continue;
      const what = current.status === "stable"
        ? "already has deployments"
        : isInFlight(current.status)
        ? `has deployment ${current.deployment_id} in flight (state ${current.status})`
        : `is failed (deployment ${current.deployment_id})`;
      throw new Error(
        `demo: ${app} in ${path} ${what}; the demo tells the story of first deployments, so it ` +
          `runs only on a database without web-api and worker. Nothing was written. Run it on ` +
          `a fresh file: the same command with --db /tmp/dockswap-demo-$(date +%s).db (in ` +
          `place of its --db, if it has one)`,
      );
    }
  } finally {
    db.close();
  }
}

async function main(args: string[]): Promise<number> {
  const io = denoIo();
  const flag = dbFlag(args);
  const location = locateDatabase({ flag, env: (n) => Deno.env.get(n), isDirectory });
  const dbArgs = flag === undefined ? [] : ["--db", flag];
  checkStartingPoint(location.path);
  io.out(
    `# dockswap-db demo on ${location.path} (from ${location.source}); ` +
      "`deploy event` rows are left out, their notes show each transition\n" +
      "# web-api.yaml, web-api-v2.yaml and worker.yaml are built into the demo; " +
      "`dockswap-db config show APP` prints the one stored\n",
  );

  // Event rows would repeat what each command's one-line note (on stderr) already says.
  const quiet = { ...io, out: () => {} };

  /**
   * Runs one CLI command, printing it first; stops the demo on an unexpected exit status.
   * `config` names a built-in config, given on stdin (`--config -`).
   */
  async function $(line: string[], expectedExit = 0, config?: string): Promise<void> {
    const isEvent = line[0] === "deploy" && line[1] === "event";
    const shown = line.map(quote).join(" ") + (config ? ` --config - < ${config}` : "");
    io.out(`${isEvent ? "" : "\n"}$ dockswap-db ${shown}\n`);
    const args = [...dbArgs, ...line, ...(config ? ["--config", "-"] : [])];
    const code = await runCli(args, isEvent ? quiet : config ? feeding(io, config) : io);
    if (code !== expectedExit) {
      throw new Error(`demo: expected exit ${expectedExit}, got ${code}; stopping`);
    }
  }
  async function events(app: string, ...steps: (string | string[])[]): Promise<void> {
    for (const step of steps) {
      const [event, ...rest] = Array.isArray(step) ? step : [step];
      await $(["deploy", "event", "--app", app, event, ...rest]);
    }
  }
  const section = (title: string) => io.out(`\n## ${title}\n`);

  section("1. web-api 1.4.0: first deployment, all green");
  await $(
    [
      "deploy",
      "start",
      "web-api",
      "--image",
      "registry.example.com/web-api:1.4.0",
    ],
    0,
    "web-api.yaml",
  );
  await events(
    "web-api",
    ["container_started", "--payload", '{"container":"web-api-blue","port":8081}'],
    ["health_check_passed", "--payload", '{"status":200,"latency_ms":38}'],
    ["caddy_updated", "--payload", '{"upstream":"localhost:8081"}'],
    "drain_complete",
    "container_stopped",
  );

  section("2. worker 2.0.1: first deployment");
  await $(
    [
      "deploy",
      "start",
      "worker",
      "--image",
      "registry.example.com/worker:2.0.1",
    ],
    0,
    "worker.yaml",
  );
  await events("worker", ...HAPPY_PATH);

  section("3. web-api 1.5.0 with a new config: health check fails, rolled back automatically");
  await $(
    [
      "deploy",
      "start",
      "web-api",
      "--image",
      "registry.example.com/web-api:1.5.0",
    ],
    0,
    "web-api-v2.yaml",
  );
  await events(
    "web-api",
    "container_started",
    [
      "health_check_failed",
      "--error",
      "GET /health returned 503 after 3 retries",
      "--payload",
      '{"status":503,"retries":3}',
    ],
    "rollback_complete",
  );

  section("4. web-api 1.5.1: the fix ships (latest config reused)");
  await $(["deploy", "start", "web-api", "--image", "registry.example.com/web-api:1.5.1"]);
  await events("web-api", ...HAPPY_PATH);

  section("5. 1.5.1 leaks memory: manual rollback to the last good deployment");
  await $(["rollback", "web-api"]);
  await events("web-api", ...HAPPY_PATH);

  section("6. worker 2.1.0 fails to start; the app is locked until recovered");
  await $(["deploy", "start", "worker", "--image", "registry.example.com/worker:2.1.0"]);
  await events("worker", ["container_failed", "--error", "exit code 137 (OOMKilled)"]);
  await $(["deploy", "start", "worker", "--image", "registry.example.com/worker:2.1.1"], 5);
  await $(["recover", "worker", "--reason", "memory limit raised on the host"]);

  section("Where everything stands");
  await $(["status"]);
  await $(["history", "web-api"]);
  await $(["history", "worker"]);
  return 0;
}

/** `io` with a built-in config as stdin. */
function feeding(io: CliIo, config: string): CliIo {
  const bytes = new TextEncoder().encode(CONFIGS[config]);
  return { ...io, readStdin: () => Promise.resolve(bytes) };
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    const message = error instanceof DockswapError
      ? `demo: ${new CliSpeaker(COMMANDS).text(error.words)} [${error.code}]`
      : (error as Error).message;
    console.error(message);
    Deno.exit(1);
  }
}
