/**
 * Configs already parsed and found valid, so that a config sent again (each deploy of an
 * unchanged app; the CLI's precheck, then its run) is not parsed twice. Parsing depends on the
 * text alone. Keyed by the text itself, which its SHA-256 identifies: a lookup then costs a
 * string hash, not a SHA-256 (a few times dearer). Refusals are not kept: they are parsed again,
 * for their words.
 */
import { type AppConfig, parseAppConfig } from "../app_config.ts";

/** Most configs kept, and most bytes of their texts (the oldest go first). */
const MAX_ENTRIES = 256;
const MAX_BYTES = 4 * 1024 * 1024;

const parsed = new Map<string, AppConfig>();
let bytes = 0;

/** `parseAppConfig(text)`, from the cache when the same text was parsed before. */
export function parseConfigOnce(text: string): AppConfig {
  const known = parsed.get(text);
  if (known !== undefined) return { ...known };
  const config = parseAppConfig(text);
  if (text.length <= MAX_BYTES) {
    parsed.set(text, config);
    bytes += text.length;
    while (parsed.size > MAX_ENTRIES || bytes > MAX_BYTES) {
      // keys().next(): an entries iterator would also walk the slots of deleted entries.
      const oldest = parsed.keys().next().value!;
      parsed.delete(oldest);
      bytes -= oldest.length;
    }
  }
  return { ...config };
}
