/**
 * What a start loads before it runs anything: the modules reached from src/main.ts by static
 * imports (and, for a command, from the command-line program). The bundle's program is split at
 * each `import()` (`deno bundle --code-splitting`), so this graph is what a start of the one-file
 * bundle loads too. `--version` needs none of the program; a command loads its operation, YAML,
 * diff, the RPC server and the report page only when it runs, and `status` and `export` load
 * no validator (zod) at all.
 */
import { assert, assertEquals } from "../_assert.ts";

const REPO_ROOT = new URL("../..", import.meta.url);

interface GraphModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

interface Graph {
  modules: GraphModule[];
  redirects: Record<string, string>;
}

async function moduleGraph(): Promise<Graph> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "src/main.ts"],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** Every module `from` reaches by static imports (type-only imports load nothing). */
function staticallyReached(graph: Graph, from: string): Set<string> {
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const reached = new Set<string>();
  const visit = (specifier: string) => {
    const resolved = graph.redirects[specifier] ?? specifier;
    if (reached.has(resolved)) return;
    reached.add(resolved);
    for (const dependency of bySpecifier.get(resolved)?.dependencies ?? []) {
      if (dependency.code && !dependency.isDynamic) visit(dependency.code.specifier);
    }
  };
  visit(new URL(from, REPO_ROOT).href);
  return reached;
}

/** The reached modules as repository paths (`src/cli/mod.ts`) and npm package names (`zod`). */
function names(reached: Set<string>): string[] {
  return [...reached].map((specifier) =>
    specifier.startsWith("npm:/")
      ? specifier.slice("npm:/".length).replace(/@[^@]*$/, "")
      : specifier.replace(REPO_ROOT.href, "")
  ).sort();
}

Deno.test("--version alone loads no library and none of the command-line program", async () => {
  const reached = names(staticallyReached(await moduleGraph(), "src/main.ts"));
  assertEquals(reached.filter((name) => !name.includes("/")), ["node:sqlite"], "libraries");
  for (const name of reached.filter((name) => name.includes("/"))) {
    assert(
      /^(src\/(main|version|errors|words|hash|cli\/(io|version|asks_for_version)|db\/(database|identity|sqlite_error))\.ts|migrations\/)/
        .test(name),
      `--version loads ${name}`,
    );
  }
});

Deno.test("a command loads its operation when it runs; none loads YAML, diff, the RPC server or the report page to start", async () => {
  const graph = await moduleGraph();
  const reached = names(staticallyReached(graph, "src/cli/mod.ts"));
  for (const name of ["yaml", "diff", "postgres", "ajv", "json-rpc-2.0"]) {
    assert(!reached.includes(name), `the command-line program loads ${name} at start`);
  }
  for (
    const name of [
      "src/app_config.ts",
      "src/rpc/mod.ts",
      "src/cli/report_page.ts",
      "src/operations/mod.ts",
    ]
  ) {
    assert(!reached.includes(name), `the command-line program loads ${name} at start`);
  }
  // Every operation module comes by import(), but the shared definition (what an operation is
  // and how a valid call runs) and the export formats, whose help `export --help` lists.
  const operations = reached.filter((name) =>
    name.startsWith("src/operations/") && !name.startsWith("src/operations/export_formats/")
  );
  assertEquals(operations, ["src/operations/operation.ts"]);
  // Validation (zod) and the records' schemas load with an operation that validates.
  for (const name of ["zod", "src/operations/validation.ts", "src/records/schemas.ts"]) {
    assert(!reached.includes(name), `the command-line program loads ${name} at start`);
  }
  // status and export reach no YAML or diff through their own operations either.
  for (const operation of ["src/operations/history.ts", "src/operations/export.ts"]) {
    const own = names(staticallyReached(graph, operation));
    for (const name of ["yaml", "diff", "src/app_config.ts"]) {
      assert(!own.includes(name), `${operation} loads ${name}`);
    }
  }
});

/**
 * Holds that a command evaluates no validator: from `entries` (the program, then what its action
 * imports) no static import reaches zod or a schemas module, and `operation` reaches its own
 * `schemas` module by import() only.
 */
async function assertNoValidator(
  command: string,
  entries: string[],
  operation: string,
  schemas: string,
): Promise<void> {
  const graph = await moduleGraph();
  const reached = new Set(entries.flatMap((entry) => names(staticallyReached(graph, entry))));
  assert(reached.has(operation) && reached.has("src/cli/program.ts"), "the search works");
  for (
    const name of [
      "zod",
      "src/operations/validation.ts",
      "src/operations/param_problem.ts",
      "src/operations/schemas.ts",
      schemas,
      "src/records/schemas.ts",
    ]
  ) {
    assert(!reached.has(name), `${command} loads ${name}`);
  }
  const module = graph.modules.find((m) => m.specifier === new URL(operation, REPO_ROOT).href)!;
  const dependency = module.dependencies?.find((d) => d.code?.specifier.endsWith(`/${schemas}`));
  assertEquals(dependency?.isDynamic, true);
}

Deno.test("status loads no validator: its reads' schemas come only when a call is refused or described", async () => {
  await assertNoValidator(
    "status",
    ["src/cli/mod.ts", "src/operations/history.ts"],
    "src/operations/history.ts",
    "src/operations/history_schemas.ts",
  );
});

Deno.test("export loads no validator: its schemas come only when a call is refused or described", async () => {
  await assertNoValidator(
    "export",
    ["src/cli/mod.ts", "src/cli/commands/export.ts", "src/operations/export.ts"],
    "src/operations/export.ts",
    "src/operations/export_schemas.ts",
  );
});
