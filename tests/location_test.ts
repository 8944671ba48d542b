import { locateDatabase } from "../src/db/location.ts";
import { assert, assertEquals } from "./_assert.ts";
import { cli, FIXTURES, tempDir } from "./_cli.ts";

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
