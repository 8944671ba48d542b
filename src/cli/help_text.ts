/**
 * Help text fitted to the terminal width. Commander wraps what it formats; the texts added after
 * it (notes, transitions, exit statuses) are fitted here: a paragraph with a line too long is
 * re-flowed, a too-long indented line breaks under its own description column. Command lines
 * under "Example:" are never broken: they are meant to be pasted.
 */

/** `text` with every line at most `width` cells, except example command lines. */
export function fitHelp(text: string, width: number): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let inExample = false;
  const flush = () => {
    if (paragraph.length > 0) out.push(...reflow(paragraph, width));
    paragraph = [];
  };
  for (const line of text.split("\n")) {
    const indented = /^\s/.test(line);
    if (line.trim() === "") {
      flush();
      inExample = false;
      out.push(line);
    } else if (indented) {
      flush();
      out.push(...(inExample ? [line] : breakIndented(line, width)));
    } else if (line.endsWith(":")) {
      // A list follows. A heading (`Example:`, `Transitions ...:`) stands alone; a line that
      // goes on with its paragraph's sentence (`file in FILE's folder, ... Example:`) ends that
      // paragraph, which is filled as one.
      const heading = paragraph.length === 0 ||
        (/^[A-Z]/.test(line) && /[.)]$/.test(paragraph.at(-1)!));
      if (heading) flush();
      paragraph.push(line);
      flush();
      inExample = /^Examples?\b|\bExamples?:$/.test(line);
    } else {
      inExample = false;
      paragraph.push(line);
    }
  }
  flush();
  return out.join("\n");
}

/** A paragraph as it was when every line fits, else its words re-filled to `width`. */
function reflow(lines: string[], width: number): string[] {
  if (lines.every((line) => cells(line) <= width)) return lines;
  return fillAfter("", lines.join(" "), width, "");
}

/** An indented line (`  term   description`) broken under its description column. */
function breakIndented(line: string, width: number): string[] {
  if (cells(line) <= width) return [line];
  const lead = /^\s*/.exec(line)![0];
  const column = /^(\s*\S.*?\s{2,})(\S.*)$/.exec(line);
  if (column && cells(column[1]) <= width / 2) {
    return fillAfter(column[1], column[2], width, " ".repeat(cells(column[1])));
  }
  if (column) {
    // The term is too wide to keep a description column beside it: the description goes under.
    const under = lead + "    ";
    return [column[1].trimEnd(), ...fillAfter(under, column[2], width, under)];
  }
  return fillAfter(lead, line.slice(lead.length), width, lead);
}

/** The words of `text` filled into lines of `width` cells, after `first`, then after `hang`. */
function fillAfter(first: string, text: string, width: number, hang: string): string[] {
  const lines: string[] = [];
  let current = first;
  let started = false;
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (!started || cells(current) + 1 + cells(word) <= width) {
      current += (started ? " " : "") + word;
      started = true;
    } else {
      lines.push(current);
      current = hang + word;
    }
  }
  lines.push(current);
  return lines;
}

function cells(text: string): number {
  return [...text].length;
}
