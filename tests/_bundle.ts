/** Builds the one-file bundle for a test, with the repository's own script. */
import { assertEquals } from "./_assert.ts";

const REPO_ROOT = new URL("..", import.meta.url).pathname;

/** Runs `deno task bundle --output output` (scripts/bundle.ts) and returns `output`. */
export async function buildBundle(output: string): Promise<string> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", "scripts/bundle.ts"]
      .concat(["--output", output]),
    cwd: REPO_ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return output;
}
