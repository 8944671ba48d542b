/**
 * The layers of docs/architecture.md, checked on the source: every import of src/ and
 * migrations/ points down the layers (or sideways where the page says so), node:sqlite is
 * imported by src/db/database.ts alone, commander by src/cli/ alone, and nothing below cli/ and
 * rpc/ prints, reads argv or the environment, or exits, except where the page names why.
 */
import { dirname, join, normalize } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { REPO_ROOT } from "../_docs.ts";

/** A module's layer, as the table of docs/architecture.md numbers them. */
function layer(file: string): number {
  if (file === "src/main.ts") return 8;
  if (file.startsWith("src/cli/") || file.startsWith("src/rpc/")) return 7;
  if (file.startsWith("src/operations/") || file.startsWith("src/fleet/")) return 6;
  if (file.startsWith("src/adoption/")) return 5;
  if (file.startsWith("src/store/")) return 4;
  if (file.startsWith("src/db/")) return 3;
  if (file.startsWith("migrations/") || file.startsWith("src/records/")) return 2;
  if (/^src\/[^/]+\.ts$/.test(file)) return 1;
  throw new Error(`no layer for ${file}`);
}

/** The crossings between the edges the page names. */
const EDGE_CROSSINGS = new Set([
  "src/cli/commands/rpc.ts -> src/rpc/mod.ts",
  "src/cli/commands/rpc.ts -> src/rpc/framing.ts",
]);
const EDGE_CROSSING_FROM_DEPLOY = "src/cli/commands/deploy.ts -> src/rpc/envelope.ts";

/** Imports up the layers the page names (none today; each would say why). */
const UPWARD_IMPORTS = new Set<string>();

/** Below the edges, the flags and command lines the page names. */
const WORDING_BELOW_EDGES = new Set([
  "src/operations/export_cursor.ts: dockswap-db export", // prose: "a dockswap-db export cursor"
]);

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

const FILES = [...sourceFiles("src"), "migrations/mod.ts", "migrations/central/mod.ts"].sort();

function imports(file: string): string[] {
  const text = Deno.readTextFileSync(`${REPO_ROOT}${file}`);
  const fixed = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms)];
  // Dynamic imports too: the fleet commands load their modules (and the client) on use.
  const dynamic = [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)];
  return [...fixed, ...dynamic].map((m) => m[1]);
}

/** What store/ may import below it: the database, its errors (typed refusals), the lifecycle. */
const STORE_IMPORTS = [
  "src/db/database.ts",
  "src/db/sqlite_error.ts",
  "src/errors.ts",
  "src/words.ts",
  "src/lifecycle.ts",
];

Deno.test("architecture: imports point down the layers", () => {
  const wrong: string[] = [];
  for (const file of FILES) {
    for (const specifier of imports(file)) {
      if (!specifier.startsWith(".")) continue;
      const target = normalize(join(dirname(file), specifier));
      if (target.endsWith(".sql")) continue;
      const edge = `${file} -> ${target}`;
      const [from, to] = [layer(file), layer(target)];
      if (to > from && !UPWARD_IMPORTS.has(edge)) {
        wrong.push(`${edge}: up from layer ${from} to ${to}`);
      }
      if (from === 7 && file.startsWith("src/rpc/") && target.startsWith("src/cli/")) {
        wrong.push(`${edge}: rpc/ imports cli/`);
      }
      if (
        file.startsWith("src/cli/") && target.startsWith("src/rpc/") &&
        !EDGE_CROSSINGS.has(edge) && edge !== EDGE_CROSSING_FROM_DEPLOY
      ) wrong.push(`${edge}: a crossing between the edges the page does not name`);
      if (
        from === 4 && layer(target) < 4 && !target.startsWith("src/records/") &&
        !STORE_IMPORTS.includes(target)
      ) {
        wrong.push(
          `${edge}: store/ imports only records/, ${STORE_IMPORTS.join(", ")} below it`,
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

Deno.test("architecture: node:sqlite in db/database.ts only, postgres in fleet/central.ts, commander in cli/ only", () => {
  const users = (name: string) => FILES.filter((file) => imports(file).includes(name));
  assertEquals(users("node:sqlite"), ["src/db/database.ts"]);
  assertEquals(users("postgres"), ["src/fleet/central.ts"]);
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

/** Source without its comments: what a comment says about a flag is no message. */
function codeOf(file: string): string {
  return Deno.readTextFileSync(`${REPO_ROOT}${file}`)
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")
    .replace(/ \/\/ .*$/gm, "");
}

/** A flag, a dockswap-db command line, or the old "(--flag; name over RPC)" pairing. */
const CLI_WORDING =
  /(?<![\w-])--[a-z][a-z-]*|\bdockswap-db (?:config|deploy|recover|rollback|status|history|events|show|export|backup|doctor|prune|migrate|rpc)\b|\bover RPC\b/g;

Deno.test("architecture: below cli/ and rpc/ no message names a flag or a command, nor imports a hint builder", () => {
  const found: string[] = [];
  for (const file of FILES.filter((f) => layer(f) < 7)) {
    for (const match of new Set(codeOf(file).match(CLI_WORDING) ?? [])) {
      found.push(`${file}: ${match}`);
    }
    for (const specifier of imports(file)) {
      const target = normalize(join(dirname(file), specifier));
      const edge = `${file} -> ${target}`;
      if (target.startsWith("src/cli/") && !UPWARD_IMPORTS.has(edge)) {
        found.push(`${edge}: a hint builder of the CLI`);
      }
    }
  }
  assertEquals(found.filter((f) => !WORDING_BELOW_EDGES.has(f)), []);
  assertEquals([...WORDING_BELOW_EDGES].filter((f) => !found.includes(f)), []);
});

Deno.test("architecture: the check above finds a flag, a command line and a hint builder", () => {
  // The patterns are checked against the wording this branch removed from below the edges.
  const removed = [
    "pass a file path with --db",
    'abandon it with "dockswap-db recover web-api"',
    "(--to DEPLOYMENT_ID; to_deployment_id over RPC)",
  ];
  for (const text of removed) assert(text.match(CLI_WORDING), text);
  assert(!"a dockswap-db file (application_id DSWD)".match(CLI_WORDING));
});
