/**
 * The documentation as the docs tests read it: README.md and docs/*.md, their fenced blocks,
 * headings and links. docs/spec.md is a copy of the spec, not ours to run or check.
 */

export const REPO_ROOT = new URL("..", import.meta.url).pathname;

/** The pages a reader navigates, as paths relative to the repository. */
export function docPages(): string[] {
  const docs = [...Deno.readDirSync(`${REPO_ROOT}docs`)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".md") && entry.name !== "spec.md")
    .map((entry) => `docs/${entry.name}`)
    .sort();
  return ["README.md", ...docs];
}

/** The text of a page, by its path relative to the repository. */
export function readPage(page: string): string {
  return Deno.readTextFileSync(`${REPO_ROOT}${page}`);
}

/** A fenced code block of a page. */
export interface Block {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string: `sh`, `bash`, `cron`, ... */
  lang: string;
  text: string;
  /** The reason of a `<!-- not run: REASON -->` comment right before the block (blank lines aside). */
  notRun?: string;
}

/** Every fenced block of a page, in order. */
export function blocks(page: string): Block[] {
  const lines = readPage(page).split("\n");
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line === "```");
    if (end < 0) throw new Error(`${page}:${i + 1}: unclosed code block`);
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === "") before--;
    const marker = before >= 0 ? /^<!-- not run: (.+) -->$/.exec(lines[before]) : null;
    found.push({
      page,
      line: i + 1,
      lang: open[1],
      text: lines.slice(i + 1, end).join("\n") + "\n",
      notRun: marker?.[1],
    });
    i = end;
  }
  return found;
}

/** The shell blocks (`sh`, `bash`): what a reader copies into a terminal. */
export function shellBlocks(): Block[] {
  return docPages().flatMap(blocks).filter((b) => b.lang === "sh" || b.lang === "bash");
}

/** The examples readme_scripts_test.ts runs against stand-ins, found by a line each holds. */
export const DEPLOY_SH_MARKER = "# deploy.sh APP IMAGE CONFIG:";
export const COPROCESS_MARKER = "coproc DB {";

/** The one shell block holding a line that starts with `marker`; throws unless exactly one. */
export function shellBlockWith(marker: string): Block {
  const found = shellBlocks().filter((block) =>
    block.text.split("\n").some((line) => line.startsWith(marker))
  );
  if (found.length !== 1) {
    throw new Error(
      `the docs have ${found.length} shell blocks with a line starting "${marker}" (expected 1)`,
    );
  }
  return found[0];
}

/** The page's text outside fenced blocks, lines kept (so line numbers stay true). */
export function prose(page: string): string {
  let fenced = false;
  return readPage(page).split("\n").map((line) => {
    if (line.startsWith("```")) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line;
  }).join("\n");
}

/** A heading: its level, its text, and the line it is on. */
export interface Heading {
  level: number;
  text: string;
  line: number;
}

export function headings(page: string): Heading[] {
  return prose(page).split("\n").flatMap((line, i) => {
    const match = /^(#{1,6}) (.+?)\s*#*\s*$/.exec(line);
    return match ? [{ level: match[1].length, text: match[2], line: i + 1 }] : [];
  });
}

/** The anchors GitHub gives a page's headings (`## Exit status` -> `exit-status`). */
export function anchors(page: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text } of headings(page)) {
    const base = text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link keeps its text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/**
 * The part of a page under a heading: from the heading to the next heading of the same or a
 * higher level.
 */
export function section(page: string, heading: string): string {
  const all = headings(page);
  const start = all.find((h) => h.text === heading);
  if (!start) throw new Error(`${page} has no heading "${heading}"`);
  const next = all.find((h) => h.line > start.line && h.level <= start.level);
  const lines = readPage(page).split("\n");
  return lines.slice(start.line - 1, next ? next.line - 1 : lines.length).join("\n");
}

/** The rows of the first Markdown table in `text`, as cells (header and separator dropped). */
export function tableRows(text: string): string[][] {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => line.startsWith("|"));
  if (first < 0) return [];
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i].startsWith("|"); i++) {
    rows.push(
      lines[i].slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()),
    );
  }
  return rows;
}
