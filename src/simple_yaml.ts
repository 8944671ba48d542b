/**
 * The fast way to read a config. Most are written in a small part of YAML: `key: value` lines,
 * `- item` lines, nested by indentation, with one-line scalars and flat flow collections. That
 * part is read here, line by line, with the `yaml` library's core-schema rules for scalars
 * (copied below), giving the value the library gives. A text with anything else (anchors,
 * aliases, tags, block or multi-line scalars, quoted or odd keys, tabs, several documents,
 * duplicate keys, unexpected indentation, ...) is left to the library, whose messages users see.
 * tests/unit/simple_yaml_test.ts holds the two to the same value on every fixture and on probes
 * of each construct. Pure.
 */

/** What `readSimpleYaml` returns for a text it leaves to the `yaml` library. */
export const NOT_SIMPLE: unique symbol = Symbol("not simple YAML");

// yaml 2.9.1's core schema for plain scalars (dist/schema/core/*.js, common/null.js): the same
// tests in its order, the same conversions. Anything else is a string.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

function plainScalar(source: string): unknown {
  if (NULL.test(source)) return null;
  if (BOOL.test(source)) return source[0] === "t" || source[0] === "T";
  if (INT_OCT.test(source)) return parseInt(source.substring(2), 8);
  if (INT.test(source)) return parseInt(source, 10);
  if (INT_HEX.test(source)) return parseInt(source.substring(2), 16);
  if (FLOAT_NAN.test(source)) {
    if (source.slice(-3).toLowerCase() === "nan") return NaN;
    return source[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return parseFloat(source);
  return source;
}

// The lines of the simple form. A key is a bare word the core schema reads as a string (not
// null or a boolean; not `<<` or `__proto__`), at most 128 characters. A value is one plain
// scalar that starts with no indicator and holds no `: ` or ` #`; or one single-line quoted
// scalar (double quotes with only \" and \\ escapes); or a one-line flow sequence or mapping of
// such scalars (plain ones without spaces, `:`, `#` or flow indicators), not nested. A comment
// follows a space.
const KEY = String
  .raw`(?!(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|__proto__):)[A-Za-z_][\w.\/-]{0,127}`;
const PLAIN_START = String.raw`(?:[\w.\/+$(=^~]|-(?=[\w.]))`;
const PLAIN = String.raw`${PLAIN_START}(?:[^\s:]|:(?=\S)| +(?=[^\s#:]))*`;
const DOUBLE_QUOTED = String.raw`"(?:[^"\\]|\\["\\])*"`;
const SINGLE_QUOTED = String.raw`'(?:[^']|'')*'`;
const FLOW_SCALAR = String.raw`(?:${PLAIN_START}[^\s:#,\[\]{}]*|${DOUBLE_QUOTED}|${SINGLE_QUOTED})`;
const FLOW_SEQUENCE = String.raw`\[ *(?:${FLOW_SCALAR}(?: *, *${FLOW_SCALAR})* *)?\]`;
const FLOW_PAIR = `${KEY}: +${FLOW_SCALAR}`;
const FLOW_MAPPING = String.raw`\{ *(?:${FLOW_PAIR}(?: *, *${FLOW_PAIR})* *)?\}`;
const VALUE = `(?:${PLAIN}|${DOUBLE_QUOTED}|${SINGLE_QUOTED}|${FLOW_SEQUENCE}|${FLOW_MAPPING})`;
const END = String.raw`(?: +#.*)? *`;

/** `key:` or `key: value`, maybe after `- `: indentation, the dash, the key, the value. */
const KEY_LINE = new RegExp(`^( *)(- +)?(${KEY}):(?: +(${VALUE}))?${END}$`);
/** `- value`: indentation, the dash, the value. */
const ITEM_LINE = new RegExp(`^( *)(- +)(${VALUE})${END}$`);
/** Blank or comment. */
const NO_CONTENT = /^ *(?:#.*)?$/;
const FLOW_ITEMS = new RegExp(FLOW_SCALAR, "g");
const FLOW_PAIRS = new RegExp(`(${KEY}): +(${FLOW_SCALAR})`, "g");

/**
 * Characters that end a line or read differently somewhere: a tab, NEL, LS, PS, a CR not before
 * LF, a BOM after the start.
 */
const UNSAFE_CHARACTER = /[\t\x85\u2028\u2029]|\r(?!\n)|(?!^)\uFEFF/;

/** A line with content: `indent` spaces, then `dash` characters of `- ` (0 when none). */
interface Line {
  indent: number;
  dash: number;
  key: string | undefined;
  value: string | undefined;
}

/** Thrown where the text leaves the simple form. */
const LEAVE = Symbol("leave");

function leave(): never {
  throw LEAVE;
}

function scalar(source: string): unknown {
  switch (source[0]) {
    case '"':
      return source.slice(1, -1).replace(/\\(["\\])/g, "$1");
    case "'":
      return source.slice(1, -1).replaceAll("''", "'");
    case "[":
      return [...source.slice(1, -1).matchAll(FLOW_ITEMS)].map((m) => scalar(m[0]));
    case "{": {
      const map: Record<string, unknown> = {};
      for (const [, key, value] of source.slice(1, -1).matchAll(FLOW_PAIRS)) {
        if (Object.hasOwn(map, key)) leave();
        map[key] = scalar(value);
      }
      return map;
    }
    default:
      return plainScalar(source);
  }
}

/** Reads the block structure of the content lines, from `lines[at]` on. */
class BlockReader {
  at = 0;

  constructor(readonly lines: Line[]) {}

  /** A mapping whose keys stand at `column` (its first line may be a sequence item's). */
  mapping(column: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    let line = this.lines[this.at];
    while (true) {
      this.at++;
      const key = line.key;
      if (key === undefined || Object.hasOwn(map, key)) leave();
      map[key] = line.value === undefined ? this.nested(column) : scalar(line.value);
      const next = this.lines[this.at];
      if (next === undefined || next.indent < column) return map;
      // More indented: a continuation or bad indentation; a `- ` here: an item in a mapping.
      if (next.indent > column || next.dash > 0) leave();
      line = next;
    }
  }

  /** A sequence whose dashes stand at `indent`. */
  sequence(indent: number): unknown[] {
    const list: unknown[] = [];
    let line = this.lines[this.at];
    while (line !== undefined && line.indent === indent && line.dash > 0) {
      if (line.key !== undefined) list.push(this.mapping(indent + line.dash));
      else {
        this.at++;
        list.push(scalar(line.value!));
      }
      line = this.lines[this.at];
    }
    if (line !== undefined && line.indent > indent) leave();
    return list;
  }

  /** The value of a key at `column` with nothing after its colon. */
  nested(column: number): unknown {
    const next = this.lines[this.at];
    if (next === undefined || next.indent < column) return null;
    if (next.indent > column) {
      return next.dash > 0 ? this.sequence(next.indent) : this.mapping(next.indent);
    }
    // A sequence may stand at its key's own indentation.
    return next.dash > 0 ? this.sequence(column) : null;
  }
}

function contentLines(text: string): Line[] {
  const lines: Line[] = [];
  const body = text.charCodeAt(0) === 0xFEFF ? text.slice(1) : text;
  for (const line of body.split(/\r?\n/)) {
    const keyed = KEY_LINE.exec(line);
    if (keyed) {
      const [, spaces, dash = "", key, value] = keyed;
      lines.push({ indent: spaces.length, dash: dash.length, key, value });
      continue;
    }
    const item = ITEM_LINE.exec(line);
    if (item) {
      const [, spaces, dash, value] = item;
      lines.push({ indent: spaces.length, dash: dash.length, key: undefined, value });
    } else if (!NO_CONTENT.test(line)) leave();
  }
  return lines;
}

/**
 * The mapping or sequence `text` holds, as the `yaml` library reads it, when the text has the
 * simple form; otherwise `NOT_SIMPLE` (also when it is empty or invalid: the library words
 * the refusal).
 */
export function readSimpleYaml(text: string): object | typeof NOT_SIMPLE {
  if (UNSAFE_CHARACTER.test(text)) return NOT_SIMPLE;
  try {
    const lines = contentLines(text);
    if (lines.length === 0) return NOT_SIMPLE;
    const reader = new BlockReader(lines);
    const first = lines[0];
    const value = first.dash > 0 ? reader.sequence(first.indent) : reader.mapping(first.indent);
    return reader.at === lines.length ? value : NOT_SIMPLE;
  } catch (error) {
    if (error === LEAVE) return NOT_SIMPLE;
    throw error;
  }
}
