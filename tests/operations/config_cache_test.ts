/**
 * operations/config_cache.ts: a config parsed before gives what a fresh parse gives, a copy the
 * caller may change, and a refused config stays refused in the same words.
 */
import { parseAppConfig } from "../../src/app_config.ts";
import { DockswapError } from "../../src/errors.ts";
import { parseConfigOnce } from "../../src/operations/config_cache.ts";
import { assert, assertEquals } from "../_assert.ts";
import { FIXTURES } from "../_cli.ts";

const read = (path: string) => Deno.readTextFileSync(`${FIXTURES}${path}`);

function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    assert(error instanceof DockswapError, `expected a DockswapError, got ${error}`);
    return error.message;
  }
  throw new Error("not refused");
}

Deno.test("config cache: a config parsed again gives what a fresh parse gives, as a copy", () => {
  for (const name of ["web-api.yaml", "worker.yaml", "billing-crlf.yaml"]) {
    const text = read(`apps/${name}`);
    const fresh = parseAppConfig(text);
    assertEquals(parseConfigOnce(text), fresh);
    const again = parseConfigOnce(text);
    assertEquals(again, fresh);
    again.app_name = "changed-by-the-caller";
    assertEquals(parseConfigOnce(text), fresh);
  }
});

Deno.test("config cache: a refused config is refused again in the same words", () => {
  for (const name of ["missing-name.yaml", "not-a-mapping.yaml", "empty.yaml"]) {
    const text = read(`invalid/${name}`);
    const words = refusal(() => parseAppConfig(text));
    assertEquals(refusal(() => parseConfigOnce(text)), words);
    assertEquals(refusal(() => parseConfigOnce(text)), words);
  }
});

Deno.test("config cache: past its bound the oldest configs go and every config still parses", () => {
  const base = read("apps/worker.yaml");
  const texts = Array.from({ length: 600 }, (_, i) => `${base}\n# copy ${i}\n`);
  for (const text of texts) parseConfigOnce(text);
  for (const text of [texts[0], texts[599]]) {
    assertEquals(parseConfigOnce(text), parseAppConfig(text));
  }
});
