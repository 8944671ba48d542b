/**
 * A real PostgreSQL server for the fleet tests: Debian's `postgresql` package (scripts/test_tools.sh
 * installs it), a fresh cluster in a temporary folder owned by the test run, on a free local
 * port, stopped and removed when disposed. PostgreSQL refuses to run as root, so as root the
 * server runs as the package's `postgres` user. Each test takes a database of its own.
 */

/** The superuser's password (the server listens on 127.0.0.1 only, for the test's lifetime). */
const PASSWORD = "fleet-test-password";

function serverBinaries(): string {
  const root = "/usr/lib/postgresql";
  let versions: number[] = [];
  try {
    versions = [...Deno.readDirSync(root)].map((e) => Number(e.name)).filter(Number.isInteger);
  } catch {
    // not installed
  }
  if (versions.length === 0) {
    throw new Error(
      "PostgreSQL is not installed: the fleet tests need Debian's postgresql package " +
        "(sh scripts/test_tools.sh installs it as root; else apt-get install postgresql)",
    );
  }
  return `${root}/${Math.max(...versions)}/bin`;
}

async function run(command: string[], options: { input?: string } = {}): Promise<string> {
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    stdin: options.input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.input));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(`${command.join(" ")} exited ${code}: ${new TextDecoder().decode(stderr)}`);
  }
  return text;
}

export interface PostgresServer extends AsyncDisposable {
  port: number;
  /** The folder of the server's Unix socket (`.s.PGSQL.PORT`); local connections are trusted. */
  socketDir: string;
  /** The superuser's URL for a database. */
  url(database: string, user?: string, password?: string): string;
  /** A new, empty database. */
  createDatabase(): Promise<string>;
  /** Runs SQL with psql (the independent client) as the superuser; returns its output. */
  psql(database: string, sql: string): Promise<string>;
  /** CPU seconds the server's finished processes (backends of closed connections) have used. */
  childCpuS(): Promise<number>;
  /** The rows of one query, through psql, as JSON values. */
  rows<T = Record<string, unknown>>(database: string, query: string): Promise<T[]>;
}

/** How the server is started. */
export interface PostgresOptions {
  /** Serve TLS with this certificate and key (PEM files), copied into the server's folder. */
  tls?: { cert: string; key: string };
}

/** Starts a fresh server; dispose of it to stop it and remove its files. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = serverBinaries();
  // `id` rather than Deno.uid(): the test task grants no --allow-sys.
  const root = (await run(["id", "-u"])).trim() === "0";
  const asServer = (args: string[]) => root ? ["runuser", "-u", "postgres", "--", ...args] : args;
  const dir = await Deno.makeTempDir({ prefix: "dockswap-db-pg-" });
  if (root) await run(["chown", "postgres:", dir]);
  await Deno.chmod(dir, 0o700);
  const passwordFile = `${dir}/password`;
  await Deno.writeTextFile(passwordFile, PASSWORD + "\n", { mode: 0o600 });
  if (root) await run(["chown", "postgres:", passwordFile]);
  await run(asServer([
    `${bin}/initdb`,
    "--pgdata",
    `${dir}/data`,
    "--username",
    "postgres",
    "--pwfile",
    passwordFile,
    "--auth-local",
    "trust",
    "--auth-host",
    "scram-sha-256",
    "--no-sync",
    "--encoding",
    "UTF8",
    "--locale",
    "C",
  ]));
  // fsync off: the tests kill clients, never the server, and need no durability.
  const settings = ["listen_addresses=127.0.0.1", "fsync=off", "max_connections=50"];
  if (options.tls) {
    // The server reads its key only when the key is its own and private.
    for (const [from, to] of [[options.tls.cert, "server.crt"], [options.tls.key, "server.key"]]) {
      await Deno.copyFile(from, `${dir}/${to}`);
      await Deno.chmod(`${dir}/${to}`, 0o600);
      if (root) await run(["chown", "postgres:", `${dir}/${to}`]);
    }
    settings.push("ssl=on", `ssl_cert_file=${dir}/server.crt`, `ssl_key_file=${dir}/server.key`);
  }
  // A random port, retried when taken: finding a free one would need --allow-net in the tests.
  let port = 0;
  for (let attempt = 1;; attempt++) {
    port = 20000 + Math.floor(Math.random() * 40000);
    try {
      await run(asServer([
        `${bin}/pg_ctl`,
        "--pgdata",
        `${dir}/data`,
        "--log",
        `${dir}/server.log`,
        "--wait",
        "--silent",
        "-o",
        `-p ${port} -k ${dir} ${settings.map((setting) => `-c ${setting}`).join(" ")}`,
        "start",
      ]));
      break;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
  let databases = 0;
  const url = (database: string, user = "postgres", password = PASSWORD) =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const psql = (database: string, sql: string) =>
    run(["psql", url(database), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"], {
      input: sql,
    });
  return {
    port,
    socketDir: dir,
    url,
    psql,
    async childCpuS() {
      const pid = (await Deno.readTextFile(`${dir}/data/postmaster.pid`)).split("\n")[0];
      // Through cat: Deno lets only --allow-all read another process's /proc files.
      // /proc/PID/stat after the command name: fields 16 and 17 are cutime and cstime, in ticks.
      const fields = (await run(["cat", `/proc/${pid}/stat`])).split(") ")[1].split(" ");
      return (Number(fields[13]) + Number(fields[14])) / 100;
    },
    async createDatabase() {
      const name = `fleet_${++databases}`;
      await psql("postgres", `CREATE DATABASE ${name};`);
      return name;
    },
    async rows<T>(database: string, query: string): Promise<T[]> {
      const out = await psql(
        database,
        `SELECT coalesce(json_agg(t), '[]'::json) FROM (${query}) AS t;`,
      );
      return JSON.parse(out) as T[];
    },
    async [Symbol.asyncDispose]() {
      try {
        await run(asServer([
          `${bin}/pg_ctl`,
          "--pgdata",
          `${dir}/data`,
          "--mode",
          "immediate",
          "--silent",
          "stop",
        ]));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
}
