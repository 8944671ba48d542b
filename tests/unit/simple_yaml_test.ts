/**
 * The fast way of reading a config (src/simple_yaml.ts) against the `yaml` library, the reference:
 * every config fixture and probes of each construct (scalars of the core schema and of YAML 1.1,
 * keys, block structure, flow collections, anchors, tags, merge keys, several documents, tabs,
 * BOM, CRLF, long and unicode scalars, errors at each line) go through both, as do the cases
 * where js-yaml parts from `yaml` (bench/RESULTS.md). Whatever the fast way takes must be the
 * library's value exactly
 * (same keys in the same order, same types, -0 and NaN included), and what `parseAppConfig`
 * reads (fast, else the library) must equal the library's outcome: the value, or the error's
 * code and message.
 */
import { assert, assertEquals } from "../_assert.ts";
import { readConfigYaml, readYamlWithLibrary } from "../../src/config_yaml.ts";
import type { DockswapError } from "../../src/errors.ts";
import { NOT_SIMPLE, readSimpleYaml } from "../../src/simple_yaml.ts";

const REPO = new URL("../..", import.meta.url).pathname;

function yamlFiles(dir: string): [string, string][] {
  return [...Deno.readDirSync(`${REPO}${dir}`)]
    .filter((entry) => entry.name.endsWith(".yaml"))
    .map((entry) => entry.name)
    .sort()
    .map((name) => [`${dir}/${name}`, Deno.readTextFileSync(`${REPO}${dir}/${name}`)]);
}

const FIXTURES = [
  ...yamlFiles("tests/fixtures/apps"),
  ...yamlFiles("tests/fixtures/invalid"),
  ...yamlFiles("src/cli/demo_configs"),
];

const BASE = "name: web\nports:\n  blue: 8081\n  green: 8082\n";

/** Scalars as a value and as a list item: the core schema's edges and YAML 1.1 leftovers. */
const SCALARS = [
  ..."yes no on off y n Y N ~ null Null NULL nULL true True TRUE tRUE false False FALSE".split(" "),
  ..."0 -0 +0 007 08 0o17 0O17 0o8 0x1F 0X1F -0x1F +12 1_000 0b101 1e3 1E3 1.5e-3 1. -1.".split(
    " ",
  ),
  ..."+.5 .5 .inf -.inf +.inf .Inf .NaN .nan .NAN NaN Infinity 1e400 -1e400".split(" "),
  "123456789012345678901234567890",
  "9007199254740993",
  "2024-01-01",
  "2024-01-01T10:00:00Z",
  "12:30:00",
  "1:20",
  "0.5",
  "a:b",
  "a :b",
  "a::b",
  "a#b",
  "a #b",
  "http://db.internal:5432/x?y=1&z=2#frag",
  "${VAR}",
  "$(cmd)",
  "=x",
  "^x",
  "-x",
  "-1",
  "--x",
  "a, b",
  "a [b]",
  "a{b}",
  "a &b",
  "a *b",
  "a !b",
  "a: b",
  "a:",
  "- x",
  "[a]",
  "{a: 1}",
  "&a x",
  "*a",
  "!x",
  "!!str 1",
  "!!binary aGVsbG8=",
  "!!timestamp 2024-01-01",
  "|",
  "|\n  x",
  "|-\n  x\n\n",
  ">\n  x\n  y",
  "'q'",
  "'it''s'",
  "'a\" b'",
  '"q"',
  '"a\\"b"',
  '"a\\\\b"',
  '"a\\nb"',
  '"a\\tb"',
  '"\\u00e9"',
  '"\\x41"',
  '"a\' b"',
  "café",
  "日本語",
  "emoji 😀",
  "a  b",
  "a   # comment",
  "x # comment",
  "'x' # comment",
  '"x"#c',
  "'x'y",
  '"x" y',
  "%x",
  "@x",
  "`x`",
  "?x",
  "? x",
  ":x",
  "a\u00a0b",
  "\u00a0a",
  "a ",
  "",
  " ",
  '"unterminated',
  "'unterminated",
  'a"b',
  "it's",
  "x".repeat(100_000),
  "x ".repeat(5_000) + "x",
  "<<",
  "~x",
  "null x",
  "true x",
  // flow collections
  ..."[] {} [a] [a,b] [a, b] [a , b] [ a ] [a,] [a, ] [,] [a,,b] [a]b [a] x [a]# [-1, -x, +1]"
    .split(" "),
  "[1, 0x1F, 0o7, .inf, .nan, ~, null, true, False, 1e3, 1.]",
  '["x", \'y\', "a,b", \'c]d\', "{e}"]',
  "[a b]",
  "[a:1]",
  "[a: 1]",
  "[http://x]",
  "[a#b]",
  "[[a]]",
  "[{a: 1}]",
  "{a: 1, b: two}",
  "{a: 1,b: 2}",
  "{ a: 1 }",
  "{a:1}",
  "{a: 1, a: 2}",
  "{a: }",
  "{a}",
  "{a: 1,}",
  '{"a": 1}',
  "{a: [1]}",
  "{a: 1} # comment",
  "{a: 1}x",
  "{null: 1}",
  "{~: 1}",
  "{blue: 9101, green: 9102}",
];

/** Keys, at the top and inside `docker.environment`. */
const KEYS = [
  ..."yes no on ~ null Null true false 1 0x1 1.5 .inf NaN y n << __proto__ constructor".split(" "),
  ..."toString hasOwnProperty a.b a-b a/b _a A é -a".split(" "),
  "a b",
  '"q"',
  "'q'",
  "? a",
  "k".repeat(127),
  "k".repeat(128),
  "k".repeat(1024),
  "k".repeat(1025),
];

/** Whole documents: structure, indentation, markers, aliases, tags, line ends, errors. */
const DOCUMENTS = [
  "name: a\nname: b\n",
  "name: a\ndocker:\n  x: 1\n  x: 2\n",
  "A: 1\na: 2\n",
  "a:\n  b: 1\n c: 2\n",
  "a:\n  b: 1\n   c: 2\n",
  "a: 1\n  b: 2\n",
  "a:\n- x\n- y\n",
  "a:\n  - x\n  -  y\n",
  "a:\n  - x\n - y\n",
  "a:\n    - x\n  - y\n",
  "- a\n- b\n",
  "- a: 1\n  b: 2\n- c: 3\n",
  "- a: 1\n   b: 2\n",
  "- a: 1\n b: 2\n",
  "-   a: 1\n    b: 2\n",
  "a:\n  - b: 1\n    c: 2\n  - d\n",
  "a:\n  - - x\n",
  "a:\n  -\n    b: 1\n",
  "a:\n  - \n",
  "  a: 1\n  b: 2\n",
  "  a: 1\nb: 2\n",
  "a: 1\n  # c\nb: 2\n",
  "a: 1 #c\n#c\n  #c\nb: 2\n",
  "a:\nb:\n",
  "a:\n  b:\n",
  "a:  \n",
  "a:\n\n\n  b: 1\n",
  "a:\n  b: 1\nc: 2\n  d: 3\n",
  "# only a comment\n",
  "",
  "\n\n",
  "   \n",
  "---\na: 1\n",
  "a: 1\n---\nb: 2\n",
  "a: 1\n...\n",
  "%YAML 1.2\n---\na: 1\n",
  "a: &x 1\nb: *x\n",
  "a: &x\n  c: 1\nb: *x\n",
  "a: !!binary aGk=\n",
  "a: !!set {x}\n",
  "a: !custom x\n",
  "? [a]\n: 1\n",
  "? a\n: 1\n",
  "<<: {a: 1}\n",
  "base: &b\n  x: 1\nc:\n  <<: *b\n  y: 2\n",
  'a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' +
  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
  "a:\n\tb: 1\n",
  "a:\tb\n",
  "a: b\t\n",
  "a: 1\r\nb: 2\r\n",
  "a: 1\r\nb:\r\n  - x\r\n",
  "a: 1\rb: 2\n",
  "\ufeffa: 1\n",
  "\ufeff\ufeffa: 1\n",
  "a: \ufeffx\n",
  "a: 1\n\ufeffb: 2\n",
  "a: x\u2028y\n",
  "a: x\u0085y\n",
  "a: b: c\n",
  "a: 'x\n  y'\n",
  'a: "x\n  y"\n',
  "a: x\n  y\n",
  "a: |\n  line1\n  line2\n",
  "a: >\n  f1\n  f2\n",
  "a: [1, 2]\n",
  "a: {b: 1}\n",
  "a: 1\nb\n",
  "a: 1\n b\n",
  "a 1\n",
  "a:1\n",
  "- a\nb: 1\n",
  "a: 1\n- b\n",
  "a: 'x' y\n",
  'a: "x" y\n',
  "a: 'x'#c\n",
  "a: x: y\n",
  "a: - b\n",
  "a: -b\n",
  "a: ? b\n",
  "a: :b\n",
  "a: b:\n",
  "a: 1 \n",
  "a:   1\n",
  "a:    'x'   \n",
  "- 1\n-  2\n",
  "k".repeat(2000) + ": 1\n",
  Array.from({ length: 500 }, (_, i) => `k${i}: ${i}`).join("\n") + "\n",
  Array.from({ length: 120 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n") + " x\n",
  "name: web\n" + "x".repeat(1_000_000) + ": 1\n",
  // block structure: sequences at a key's own indentation, compact mappings in items, dedents
  "a:\n  - x\n  b: 1\n",
  "- a: 1\n  - b\n",
  "- a:\n  - x\n- y\n",
  "- a:\n    b: 1\n  c: 2\n",
  "- a: 1\n  b:\n  - x\n  c: 2\n",
  "- a: 1\n- b: 2\n  c: 3\n",
  "-  a: 1\n   b: 2\n-  c\n",
  "a:\n  -  b: 1\n     c: 2\n  -  d\n",
  "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
  "a:\n    b: 1\n  c: 2\n",
  "a:\n  b: 1\n    c: 2\n",
  "a:\n- b\n- c\nd: 1\n",
  "a:\n - b\n - c\nd: 1\n",
  "a:\n- b\n  c: 1\n",
  "a:\n- b\n - c\n",
  "- a\n  - b\n",
  "- a\n -b\n",
  "- a\n- - b\n",
  "a: 1\n\n  \n# c\nb: 2\n",
  "a:\n  # a comment deeper\n  b: 1\n",
  "a:\n# a comment shallower\n  b: 1\n",
  "a:\n  b: 1\n  b:\n    c: 2\n",
  "a:\n  b: 1\nc:\n  b: 2\n",
  "a: [1, 2]\nb: {c: 1}\n- x\n",
  "    a: 1\n    b:\n      - x\n",
  "    a: 1\n  b: 2\n",
  "{a: 1}\n",
  "[a, b]\n",
  "plain\n",
  '"quoted"\n',
  "a: [x, \"b, c\", 'd''e', \"f\\\\g\"]\nb: {a: \"x, y\", b: 'z', c: ~}\n",
  "a: {b: 1, b: 2}\n",
  "a: {}\nb: []\nc: [ ]\nd: { }\n",
  Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " x\n",
  Array.from({ length: 200 }, (_, i) => `${" ".repeat(i * 2)}- k${i}:`).join("\n") + " x\n",
  Array.from({ length: 2000 }, (_, i) => `- ${i}`).join("\n") + "\n",
];

/** The worker config with a broken line put in at each place: errors at various lines. */
function brokenAtEachLine(): string[] {
  const lines = Deno.readTextFileSync(`${REPO}tests/fixtures/apps/worker.yaml`).split("\n");
  const broken: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    for (const bad of ["  : : bad [", "bad line", '  quote: "open', "\tkey: tab", "  key: 'a' b"]) {
      broken.push([...lines.slice(0, i), bad, ...lines.slice(i)].join("\n"));
    }
    broken.push([...lines.slice(0, i), lines[i] + ' "', ...lines.slice(i + 1)].join("\n"));
  }
  return broken;
}

const PROBES: [string, string][] = [
  ...SCALARS.flatMap((v) => [`${BASE}value: ${v}\n`, `${BASE}list:\n  - ${v}\n`]),
  ...KEYS.flatMap((k) => [`${BASE}${k}: 1\n`, `${BASE}docker:\n  environment:\n    ${k}: v\n`]),
  ...DOCUMENTS,
  ...brokenAtEachLine(),
].map((text, i) => [`probe ${i}: ${JSON.stringify(text.slice(0, 60))}`, text]);

type Outcome = { value: unknown } | { error: Record<string, unknown> };

function outcome(read: () => unknown): Outcome {
  try {
    return { value: read() };
  } catch (error) {
    const { name, message, code, details } = error as DockswapError;
    return { error: { name, message, code, details } };
  }
}

Deno.test("simple YAML: every value the fast way gives is the yaml library's, and every outcome is the library's", () => {
  let fast = 0;
  for (const [label, text] of [...FIXTURES, ...PROBES]) {
    const reference = outcome(() => readYamlWithLibrary(text, "config.yaml"));
    const simple = readSimpleYaml(text);
    if (simple !== NOT_SIMPLE) {
      fast++;
      assertEquals({ value: simple }, reference, `${label}: the fast way gave another value`);
    }
    assertEquals(outcome(() => readConfigYaml(text, "config.yaml")), reference, label);
  }
  // Not vacuous: most of the inputs the library reads take the fast way.
  assert(fast >= 250, `only ${fast} inputs took the fast way`);
});

Deno.test("simple YAML: configs written the usual way take the fast way", () => {
  for (const [label, text] of FIXTURES) {
    // Not YAML, empty, or refused for a NUL before any YAML is read.
    if (/syntax-error|empty|nul-character/.test(label)) continue;
    assert(readSimpleYaml(text) !== NOT_SIMPLE, `${label} was left to the library`);
  }
});

Deno.test("simple YAML: the constructs outside the simple form are left to the library", () => {
  const library = [
    "a: &x 1\nb: *x\n", // an anchor and an alias (the library counts and limits aliases)
    "a: !!binary aGk=\n", // a tag
    "? [a]\n: 1\n", // a complex key
    "~: 1\n", // a null key: "" in the library
    "null: 1\n",
    "base:\n  <<: {x: 1}\n", // a merge key
    "a: 1\n---\nb: 2\n", // several documents
    "a: |\n  x\n", // a block scalar
    "a: [1, [2]]\n", // a nested flow collection
    "a: [a b]\n", // a flow scalar with a space
    "a: 'x\n  y'\n", // a scalar over several lines
    "a:\n\tb: 1\n", // a tab
    "a: 1\rb: 2\n", // a CR alone
    `${"k".repeat(1025)}: 1\n`, // the library refuses a key longer than 1024 characters
    "",
    "# nothing\n",
  ];
  for (const text of library) {
    assertEquals(readSimpleYaml(text), NOT_SIMPLE, JSON.stringify(text.slice(0, 40)));
  }
});
