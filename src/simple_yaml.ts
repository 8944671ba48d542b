/**
 * The fast way to read a config: most are plain block YAML (`key: value` lines, `- item` lines,
 * comments), which js-yaml reads several times faster than the `yaml` library. A text is taken
 * this way only when every line has one of those simple forms, and its scalars are resolved by
 * the `yaml` library's own core-schema rules (copied below), so the value is the one `yaml`
 * gives. Anything else (anchors, aliases, tags, nested flow collections, block or multi-line
 * scalars, quoted keys, tabs, several documents, ...) and anything js-yaml refuses is left to the `yaml`
 * library, whose messages users see. tests/unit/simple_yaml_test.ts holds both to every fixture
 * and to probes of each construct. Pure.
 */
import { defineScalarTag, FAILSAFE_SCHEMA, load, NOT_RESOLVED, Schema } from "js-yaml";

/** What `readSimpleYaml` returns for a text it leaves to the `yaml` library. */
export const NOT_SIMPLE: unique symbol = Symbol("not simple YAML");

// yaml 2.9.1's core schema (dist/schema/core/*.js, common/null.js): the same tests, in its order,
// and the same conversions. js-yaml's own CORE_SCHEMA differs at the edges (an integer or a
// float too large for a double stays a string there; `yaml` gives a number).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const loadOnly = () => false;

const YAML_CORE_SCHEMA = new Schema([
  ...FAILSAFE_SCHEMA.tags,
  defineScalarTag("tag:yaml.org,2002:null", {
    implicit: true,
    resolve: (source) => NULL.test(source) ? null : NOT_RESOLVED,
    identify: loadOnly,
  }),
  defineScalarTag("tag:yaml.org,2002:bool", {
    implicit: true,
    resolve: (source) => BOOL.test(source) ? source[0] === "t" || source[0] === "T" : NOT_RESOLVED,
    identify: loadOnly,
  }),
  defineScalarTag("tag:yaml.org,2002:int", {
    implicit: true,
    resolve: (source) => {
      if (INT_OCT.test(source)) return parseInt(source.substring(2), 8);
      if (INT.test(source)) return parseInt(source, 10);
      if (INT_HEX.test(source)) return parseInt(source.substring(2), 16);
      return NOT_RESOLVED;
    },
    identify: loadOnly,
  }),
  defineScalarTag("tag:yaml.org,2002:float", {
    implicit: true,
    resolve: (source) => {
      if (FLOAT_NAN.test(source)) {
        if (source.slice(-3).toLowerCase() === "nan") return NaN;
        return source[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
      }
      if (FLOAT_EXP.test(source) || FLOAT.test(source)) return parseFloat(source);
      return NOT_RESOLVED;
    },
    identify: loadOnly,
  }),
]);

// One line of the simple form. A key is a bare word that the core schema reads as a string
// (not null, a boolean or a number; not `<<` or `__proto__`). A value is one plain scalar that
// starts with no indicator and holds no `: ` or ` #`; or one single-line quoted scalar (double
// quotes with only \" and \\ escapes); or a one-line flow sequence or mapping of such scalars
// (plain ones without spaces, `:`, `#` or flow indicators), not nested. A comment follows a space.
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
const SIMPLE_LINE = new RegExp(
  `^ *(?:(?:#.*)?|(?:- +)?${KEY}:(?: +${VALUE})?${END}|- +${VALUE}${END})$`,
);

/** Characters that end a line or read differently somewhere: then the library decides. */
// A tab, NEL, LS, PS, a CR not before LF, a BOM after the start.
const UNSAFE_CHARACTER = /[\t\x85\u2028\u2029]|\r(?!\n)|(?!^)\uFEFF/;

/** Whether every line of `text` has one of the simple forms. */
function isSimple(text: string): boolean {
  if (UNSAFE_CHARACTER.test(text)) return false;
  const body = text.charCodeAt(0) === 0xFEFF ? text.slice(1) : text;
  for (const line of body.split(/\r?\n/)) {
    if (!SIMPLE_LINE.test(line)) return false;
  }
  return true;
}

/**
 * The mapping or sequence `text` holds, as the `yaml` library's core schema reads it, when the
 * text has the simple form and js-yaml reads it; otherwise `NOT_SIMPLE` (also when the text is
 * invalid or empty: the library words the refusal).
 */
export function readSimpleYaml(text: string): object | typeof NOT_SIMPLE {
  if (!isSimple(text)) return NOT_SIMPLE;
  let value: unknown;
  try {
    value = load(text, { schema: YAML_CORE_SCHEMA, maxAliases: 0 });
  } catch {
    return NOT_SIMPLE;
  }
  return typeof value === "object" && value !== null ? value : NOT_SIMPLE;
}
