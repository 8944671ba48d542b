/**
 * The repository is the whole project: no file it holds points at a folder beside it (a clone
 * from GitHub has no siblings). `.ci/run` proves the rest by running the tests from a lone clone.
 */
import { assertEquals } from "../_assert.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname;
// Spelled in pieces so that this file does not match itself.
const SIBLING = ["..", "shared"].join("/");
const SKIPPED = new Set([".git", "dist", "node_modules", "out"]);

function* files(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    if (SKIPPED.has(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* files(path);
    else if (entry.isFile) yield path;
  }
}

Deno.test("standalone: no file in the repository refers to the shared folder beside it", () => {
  const offenders: string[] = [];
  for (const path of files(REPO_ROOT.replace(/\/$/, ""))) {
    if (/\.(db|db-wal|db-shm|sqlite)$/.test(path)) continue;
    const text = new TextDecoder().decode(Deno.readFileSync(path));
    text.split("\n").forEach((line, i) => {
      if (line.includes(SIBLING)) {
        offenders.push(`${path.slice(REPO_ROOT.length)}:${i + 1}: ${line}`);
      }
    });
  }
  assertEquals(offenders, []);
});
