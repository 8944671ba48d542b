import { locateDatabase } from "../../src/cli/location.ts";
import { assert, assertEquals } from "../_assert.ts";
import { cli, FIXTURES, tempDir } from "../_cli.ts";

function locate(flag: string | undefined, env: Record<string, string>, dirs: string[]) {
  return locateDatabase({ flag, env: (n) => env[n], isDirectory: (p) => dirs.includes(p) });
}

Deno.test("database location: --db, then $DOCKSWAP_DB, then the Go config dirs, then ./dockswap.db", () => {
  const env = { DOCKSWAP_DB: "/env.db", DOCKSWAP_CONFIG_DIR: "/cfg", HOME: "/home/u" };
  const all = ["/cfg", "./dockswap-cfg", "/home/u/.config/dockswap-cfg", "/etc/dockswap-cfg"];
  assertEquals(locate("/flag.db", env, all), { path: "/flag.db", source: "--db" });
  assertEquals(locate(undefined, env, all), { path: "/env.db", source: "DOCKSWAP_DB" });
  const noDb = { DOCKSWAP_CONFIG_DIR: "/cfg", HOME: "/home/u" };
  assertEquals(locate(undefined, noDb, all).path, "/cfg/dockswap.db");
  assertEquals(locate(undefined, noDb, all.slice(1)).path, "./dockswap-cfg/dockswap.db");
  assertEquals(
    locate(undefined, noDb, all.slice(2)).path,
    "/home/u/.config/dockswap-cfg/dockswap.db",
  );
  assertEquals(locate(undefined, noDb, all.slice(3)).path, "/etc/dockswap-cfg/dockswap.db");
  assertEquals(locate(undefined, noDb, []), { path: "./dockswap.db", source: "default" });
});

Deno.test("the CLI honours $DOCKSWAP_DB, $DOCKSWAP_CONFIG_DIR and ./dockswap.db", async () => {
  await using dir = await tempDir();
  const file = `${FIXTURES}apps/worker.yaml`;
  const home = { HOME: `${dir.path}/home` };
  const add = (env: Record<string, string>, cwd = dir.path) =>
    cli(["config", "add", file], { env: { ...home, ...env }, cwd });

  assertEquals((await add({ DOCKSWAP_DB: `${dir.path}/env/x.db` })).code, 0);
  assert((await Deno.stat(`${dir.path}/env/x.db`)).isFile);

  await Deno.mkdir(`${dir.path}/cfg`);
  assertEquals((await add({ DOCKSWAP_CONFIG_DIR: `${dir.path}/cfg` })).code, 0);
  assert((await Deno.stat(`${dir.path}/cfg/dockswap.db`)).isFile);

  await Deno.mkdir(`${dir.path}/work/dockswap-cfg`, { recursive: true });
  assertEquals((await add({}, `${dir.path}/work`)).code, 0);
  assert((await Deno.stat(`${dir.path}/work/dockswap-cfg/dockswap.db`)).isFile);

  await Deno.mkdir(`${dir.path}/plain`);
  assertEquals((await add({}, `${dir.path}/plain`)).code, 0);
  assert((await Deno.stat(`${dir.path}/plain/dockswap.db`)).isFile);
});

Deno.test("an empty --db or one ending in / is refused, and nothing is created", async () => {
  await using dir = await tempDir();
  const file = `${FIXTURES}apps/worker.yaml`;
  for (const flag of ["", `${dir.path}/sub/`]) {
    const result = await cli(["--db", flag, "config", "add", file], { cwd: dir.path });
    assertEquals(result.code, 2, result.stderr);
    assert(result.stderr.includes("--db"), result.stderr);
  }
  const slash = await cli(["config", "add", file], {
    cwd: dir.path,
    env: { DOCKSWAP_DB: `${dir.path}/env/` },
  });
  assertEquals(slash.code, 2, slash.stderr);
  assert(slash.stderr.includes("$DOCKSWAP_DB"), slash.stderr);
  assertEquals([...Deno.readDirSync(dir.path)], []);
});

Deno.test("a refused write leaves no database file behind; a valid config add creates it", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/new/dockswap.db`;
  const refused: [string[], number][] = [
    [["config", "add", `${FIXTURES}invalid/bad-status.yaml`], 4],
    [["config", "add", "--app", "other", `${FIXTURES}apps/worker.yaml`], 4],
    [["deploy", "start", "worker", "--image", "w:1"], 3],
    [
      ["deploy", "start", "worker", "--image", "w:1", "--config", `${FIXTURES}invalid/empty.yaml`],
      4,
    ],
    [["deploy", "event", "--app", "worker", "container_started"], 3],
    [["deploy", "event", "1", "container_started"], 3],
    [["recover", "worker"], 3],
    [["rollback", "worker"], 3],
    [["prune", "--older-than", "1d"], 3],
  ];
  for (const [args, code] of refused) {
    const result = await cli(["--db", db, ...args]);
    assertEquals(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assertEquals(
      [...Deno.readDirSync(dir.path)].map((entry) => entry.name),
      [],
      `${args.join(" ")} left a file`,
    );
  }
  assertEquals((await cli(["--db", db, "config", "add", `${FIXTURES}apps/worker.yaml`])).code, 0);
  assert(Deno.statSync(db).isFile);
});

Deno.test("--db on a dangling symbolic link is refused by reads and writes alike, creating nothing", async () => {
  await using dir = await tempDir();
  // As when the link's target is on a disk that is not mounted: its folder is missing, or there.
  for (const target of ["unmounted/dockswap.db", "dockswap.db"]) {
    const link = `${dir.path}/link-${target.replace("/", "-")}`;
    Deno.symlinkSync(target, link);
    for (
      const args of [
        ["config", "add", `${FIXTURES}apps/worker.yaml`],
        ["deploy", "start", "worker", "--image", "w:1", "--config", `${FIXTURES}apps/worker.yaml`],
        ["status"],
      ]
    ) {
      const result = await cli(["--db", link, ...args]);
      assertEquals(result.code, 3, `${target} ${args.join(" ")}: ${result.stderr}`);
      assert(
        result.stderr.includes(`symbolic link to "${target}", which does not exist`),
        result.stderr,
      );
      assert(!result.stderr.includes("a write"), result.stderr);
      assert(!exists(`${dir.path}/${target}`), `${target} was created`);
      assertEquals(Deno.readLinkSync(link), target);
    }
    // Creating the target as an empty file is how to start a new database there.
    Deno.mkdirSync(`${dir.path}/unmounted`, { recursive: true });
    Deno.writeFileSync(`${dir.path}/${target}`, new Uint8Array());
    const added = await cli(["--db", link, "config", "add", `${FIXTURES}apps/worker.yaml`]);
    assertEquals(added.code, 0, added.stderr);
    assert(Deno.statSync(`${dir.path}/${target}`).size > 0);
  }
});

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
