/**
 * Every relative link of README.md, docs/*.md and bench/RESULTS.md leads somewhere: to a file of
 * the repository (never outside it) and, with a `#fragment`, to a heading of that page (GitHub's
 * anchors). A moved page or a renamed heading fails here.
 */
import { dirname, join, normalize, relative } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { anchors, docPages, prose, REPO_ROOT } from "../_docs.ts";

const PAGES = [...docPages(), "docs/spec.md", "bench/RESULTS.md"];

interface Link {
  page: string;
  line: number;
  target: string;
}

/** The inline links of a page's prose (code blocks and code spans are not links). */
function links(page: string): Link[] {
  return prose(page).split("\n").flatMap((text, i) =>
    [...text.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({
      page,
      line: i + 1,
      target: m[1],
    }))
  );
}

/** Where a link leads: the page it names (relative to the repository) and its anchor. */
function resolve(link: Link): { file: string; anchor?: string } {
  const [path, anchor] = link.target.split("#", 2);
  const file = path === "" ? link.page : normalize(join(dirname(link.page), path));
  return { file, anchor };
}

function exists(file: string): boolean {
  try {
    Deno.statSync(`${REPO_ROOT}${file}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("docs: every relative link and anchor resolves inside the repository", () => {
  const all = PAGES.flatMap(links).filter((l) => !/^[a-z]+:/.test(l.target));
  assert(all.length > 40, `only ${all.length} links found: is the parser broken?`);
  const broken: string[] = [];
  for (const link of all) {
    const where = `${link.page}:${link.line}: ${link.target}`;
    const { file, anchor } = resolve(link);
    if (relative(".", file).startsWith("..")) broken.push(`${where} leaves the repository`);
    else if (!exists(file)) broken.push(`${where}: no file ${file}`);
    else if (anchor !== undefined && !anchors(file).has(anchor)) {
      broken.push(`${where}: ${file} has no heading #${anchor}`);
    }
  }
  assertEquals(broken, []);
});

Deno.test("docs: every page is reachable from the README's map", () => {
  const mapped = new Set(
    links("README.md").map((link) => resolve(link).file).filter((f) => f.startsWith("docs/")),
  );
  for (const page of PAGES.filter((p) => p.startsWith("docs/"))) {
    assert(mapped.has(page), `README.md does not link ${page}`);
  }
});

Deno.test("docs: the anchors are GitHub's", () => {
  // The rule anchors() follows, on headings of these pages whose anchors GitHub shows.
  const cli = anchors("docs/cli.md");
  for (const anchor of ["exit-status", "config-add", "where-the-database-lives", "deploy-event"]) {
    assert(cli.has(anchor), anchor);
  }
  assert(anchors("docs/rpc.md").has("json-rpc-for-orchestrators-dockswap-db-rpc"));
});
