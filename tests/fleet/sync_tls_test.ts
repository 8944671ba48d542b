/**
 * `sslmode=verify-full` against a real TLS server: a CA and a server certificate for the name
 * `localhost` made by openssl in the test's folder, the CA given to sync as `sslrootcert=` in the
 * URL. Trusted CA and matching name: the sync succeeds. Another name for the same server, or a CA
 * that did not sign the certificate: a clear error, exit 9, the file untouched.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { query } from "../_db.ts";
import { assertCentralEqualsLocal, newHost, sync, syncJson } from "./_fleet.ts";
import { startPostgres } from "./_postgres.ts";

async function openssl(args: string[], cwd: string): Promise<void> {
  const output = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/** A self-signed CA (`NAME.crt`, `NAME.key`) in `dir`. */
async function makeCa(dir: string, name: string): Promise<string> {
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
  ], dir);
  return `${dir}/${name}.crt`;
}

Deno.test("sync: sslmode=verify-full against a TLS server", async (t) => {
  await using dir = await tempDir();
  const ca = await makeCa(dir.path, "fleet-ca");
  const strangerCa = await makeCa(dir.path, "stranger-ca");
  // The server's certificate: for the DNS name localhost only (no IP address), signed by the CA.
  await openssl([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ], dir.path);
  await Deno.writeTextFile(`${dir.path}/san.ext`, "subjectAltName=DNS:localhost\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "fleet-ca.crt",
    "-CAkey",
    "fleet-ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "san.ext",
    "-out",
    "server.crt",
  ], dir.path);
  await using pg = await startPostgres({
    tls: { cert: `${dir.path}/server.crt`, key: `${dir.path}/server.key` },
  });
  const database = await pg.createDatabase();
  const url = (host: string, mode: string, root: string) =>
    pg.url(database).replace("127.0.0.1", host) +
    `?sslmode=${mode}&sslrootcert=${encodeURIComponent(root)}`;
  const db = await newHost(`${dir.path}/host.db`, { app: "web-api", deployments: 2 });

  await t.step("the name or the CA wrong: a clear error, exit 9, the file untouched", async () => {
    const bytes = await Deno.readFile(db);
    const cases: [string, string][] = [
      [url("127.0.0.1", "verify-full", ca), "127.0.0.1"],
      [url("localhost", "verify-full", strangerCa), "certificate"],
    ];
    for (const [wrong, mentions] of cases) {
      const result = await sync(db, wrong);
      assertEquals(result.code, 9, `${wrong}: ${result.stderr}`);
      assertStringIncludes(result.stderr, "[server_refused]");
      assertStringIncludes(result.stderr, "TLS");
      assertStringIncludes(result.stderr, mentions);
      assert(!result.stderr.includes("fleet-test-password"), "the password is never printed");
    }
    assertEquals(await Deno.readFile(db), bytes);
    assertEquals(query(db, "SELECT * FROM host_identity"), []);
    const [count] = await pg.rows<{ n: number }>(
      database,
      "SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'dockswap'",
    );
    assertEquals(count.n, 0, "nothing was created centrally");
  });

  await t.step("the CA trusted and the name matching: the sync goes through TLS", async () => {
    await syncJson(db, url("localhost", "verify-full", ca), "--host-name", "tls-host");
    await assertCentralEqualsLocal(pg, database, db);
    // verify-ca checks the chain, not the name.
    await syncJson(db, url("127.0.0.1", "verify-ca", ca));
  });
});
