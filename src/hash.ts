import { createHash } from "node:crypto";

/** Lower-case hex SHA-256 of the given bytes or of the UTF-8 encoding of a string. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
