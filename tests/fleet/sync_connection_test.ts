/**
 * How sync reaches the server. The TLS server name (SNI) it sends is the URL's host name, as
 * libpq sends it, so that a central server behind a proxy routing on that name (PgBouncer,
 * HAProxy, hosted PostgreSQL) is reached; the server there is a Python stub that answers
 * PostgreSQL's SSLRequest with `S`, reads the TLS ClientHello and prints the name in its
 * server_name extension (RFC 6066). A host that is a folder is the server's Unix socket.
 */
import { assertEquals } from "../_assert.ts";
import { tempDir } from "../_cli.ts";
import { assertCentralEqualsLocal, newHost, sync, syncJson } from "./_fleet.ts";
import { startPostgres } from "./_postgres.ts";

const STUB = String.raw`
import socket, struct
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
client, _ = server.accept()
def read(n):
    data = b""
    while len(data) < n:
        chunk = client.recv(n - len(data))
        if not chunk:
            raise SystemExit("the client closed the connection")
        data += chunk
    return data
read(8)
client.sendall(b"S")
header = read(5)
hello = read(struct.unpack(">H", header[3:5])[0])
at = 4 + 2 + 32
at += 1 + hello[at]
at += 2 + struct.unpack(">H", hello[at:at + 2])[0]
at += 1 + hello[at]
end = at + 2 + struct.unpack(">H", hello[at:at + 2])[0]
at += 2
name = "(none)"
while at < end:
    kind, size = struct.unpack(">HH", hello[at:at + 4])
    at += 4
    if kind == 0:
        length = struct.unpack(">H", hello[at + 3:at + 5])[0]
        name = hello[at + 5:at + 5 + length].decode()
    at += size
print(name, flush=True)
client.close()
`;

/** The name the stub was sent when sync connected to `host` with `sslmode`. */
async function serverNameSent(host: string, sslmode: string): Promise<string> {
  await using dir = await tempDir();
  const db = await newHost(`${dir.path}/host.db`);
  const stub = new Deno.Command("python3", { args: ["-c", STUB], stdout: "piped" }).spawn();
  const lines = stub.stdout.pipeThrough(new TextDecoderStream()).values();
  let text = "";
  const line = async () => {
    while (!text.includes("\n")) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the stub ended early: ${JSON.stringify(text)}`);
      text += value;
    }
    const [first] = text.split("\n", 1);
    text = text.slice(first.length + 1);
    return first;
  };
  const port = await line();
  const url = `postgres://postgres:pw@${host}:${port}/fleet?sslmode=${sslmode}&connect_timeout=10`;
  const [name, attempt] = await Promise.all([line(), sync(db, url)]);
  // The stub hangs up after the hello: the sync fails, the way a refused connection does.
  assertEquals(attempt.code, 9, attempt.stderr);
  await stub.status;
  return name;
}

Deno.test("sync sends the URL's host name as the TLS server name", async () => {
  assertEquals(await serverNameSent("localhost", "require"), "localhost");
});

Deno.test("sync sends no TLS server name for an IP address (RFC 6066 allows names only)", async () => {
  assertEquals(await serverNameSent("127.0.0.1", "require"), "(none)");
});

Deno.test("sync reaches a server through its Unix socket when the host is a folder", async () => {
  await using pg = await startPostgres();
  await using dir = await tempDir();
  const database = await pg.createDatabase();
  const db = await newHost(`${dir.path}/local.db`, { app: "web-api", deployments: 2 });
  const url = `postgres://postgres@${encodeURIComponent(pg.socketDir)}:${pg.port}/${database}`;
  await syncJson(db, url, "--host-name", "local");
  await assertCentralEqualsLocal(pg, database, db);
});
