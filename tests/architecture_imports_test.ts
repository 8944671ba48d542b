/**
 * The layers of docs/architecture.md, checked on the source: every import of src/ and
 * migrations/ points down the layers (or sideways where the page says so), node:sqlite is
 * imported by src/db/database.ts alone, commander by src/cli/ alone, and nothing below cli/ and
 * rpc/ prints, reads argv or the environment, or exits, except where the page names why.
 */
import { dirname, join, normalize } from "node:path";
import { assertEquals } from "./_assert.ts";
import { REPO_ROOT } from "./_docs.ts";

/** A module's layer, as the table of docs/architecture.md numbers them. */
function layer(file: string): number {
  if (file === "src/main.ts") return 8;
  if (file.startsWith("src/cli/") || file.startsWith("src/rpc/")) return 7;
  if (file.startsWith("src/operations/")) return 6;
  if (file.startsWith("src/adoption/")) return 5;
  if (file.startsWith("src/store/")) return 4;
  if (file.startsWith("src/db/")) return 3;
  if (file.startsWith("migrations/") || file.startsWith("src/records/")) return 2;
  if (/^src\/[^/]+\.ts$/.test(file)) return 1;
  throw new Error(`no layer for ${file}`);
}

/** The crossings between the edges the page names. */
const EDGE_CROSSINGS = new Set(["src/cli/commands/rpc.ts -> src/rpc/mod.ts"]);
const EDGE_CROSSING_FROM_DEPLOY = "src/cli/commands/deploy.ts -> src/rpc/envelope.ts";

/** Below the edges, the side effects the page names (one line each, with why). */
const SPEAKING_BELOW_EDGES = new Set([
  "src/yaml_environment.ts: process.env", // snapshots the two variables the yaml library reads
]);

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(`${REPO_ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts")) found.push(path);
  }
  return found;
}

const FILES = [...sourceFiles("src"), "migrations/mod.ts"].sort();

function imports(file: string): string[] {
  const text = Deno.readTextFileSync(`${REPO_ROOT}${file}`);
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]);
}

Deno.test("architecture: imports point down the layers", () => {
  const wrong: string[] = [];
  for (const file of FILES) {
    for (const specifier of imports(file)) {
      if (!specifier.startsWith(".")) continue;
      const target = normalize(join(dirname(file), specifier));
      if (target.endsWith(".sql")) continue;
      const edge = `${file} -> ${target}`;
      const [from, to] = [layer(file), layer(target)];
      if (to > from) wrong.push(`${edge}: up from layer ${from} to ${to}`);
      if (from === 7 && file.startsWith("src/rpc/") && target.startsWith("src/cli/")) {
        wrong.push(`${edge}: rpc/ imports cli/`);
      }
      if (
        file.startsWith("src/cli/") && target.startsWith("src/rpc/") &&
        !EDGE_CROSSINGS.has(edge) && edge !== EDGE_CROSSING_FROM_DEPLOY
      ) wrong.push(`${edge}: a crossing between the edges the page does not name`);
      if (
        from === 4 && layer(target) < 4 && !target.startsWith("src/records/") &&
        !["src/db/database.ts", "src/lifecycle.ts"].includes(target)
      ) {
        wrong.push(
          `${edge}: store/ imports only records/, db/database.ts and lifecycle.ts below it`,
        );
      }
      if (
        file.startsWith("src/records/") && layer(target) === 2 && !target.startsWith("src/records/")
      ) {
        wrong.push(`${edge}: records/ imports only layer 1 and each other`);
      }
    }
  }
  assertEquals(wrong, []);
});

Deno.test("architecture: node:sqlite in db/database.ts only, commander in cli/ only", () => {
  const users = (name: string) => FILES.filter((file) => imports(file).includes(name));
  assertEquals(users("node:sqlite"), ["src/db/database.ts"]);
  assertEquals(users("commander").filter((file) => !file.startsWith("src/cli/")), []);
});

Deno.test("architecture: nothing below cli/ and rpc/ prints, reads argv or the environment, or exits", () => {
  const found: string[] = [];
  for (const file of FILES.filter((f) => layer(f) < 7)) {
    const code = Deno.readTextFileSync(`${REPO_ROOT}${file}`)
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    const effects = code.match(
      /console\.\w+|Deno\.(exit|args|env|stdout|stderr|stdin)\b|process\.(env|exit|argv)\b/g,
    ) ?? [];
    for (const effect of new Set(effects)) found.push(`${file}: ${effect}`);
  }
  assertEquals(found.filter((f) => !SPEAKING_BELOW_EDGES.has(f)), []);
  // An exception that is gone should leave the list (and the page) too.
  assertEquals([...SPEAKING_BELOW_EDGES].filter((f) => !found.includes(f)), []);
});
