type CreateHash = typeof import("node:crypto").createHash;
let createHash: CreateHash | undefined;

/** Lower-case hex SHA-256 of the given bytes or of the UTF-8 encoding of a string. */
export function sha256Hex(data: Uint8Array | string): string {
  // Reached on first use, not imported: a static `node:crypto` import would load Deno's Node
  // layer when the bundle starts, for every command. node:crypto is ~4x faster than pure JS.
  createHash ??=
    (globalThis.process.getBuiltinModule("node:crypto") as typeof import("node:crypto"))
      .createHash;
  return createHash("sha256").update(data).digest("hex");
}
