/**
 * Messages as data: text with typed references to a parameter, to another operation (with its
 * arguments) or to an action on the database file. The core writes them; each edge turns the
 * references into its own words: flags and shell commands on the CLI, parameter and method names
 * over JSON-RPC. `namedText` is the neutral rendering, by those names.
 */

/** Something a user can act on, as facts: which parameter, which call, which file action. */
export type Hint =
  /** A parameter of the call that was refused, by its operation (RPC) name. */
  | { kind: "param"; param: string }
  /**
   * Another operation that would resolve it, by its method name, with its arguments (null: the
   * caller supplies it). `database`: the file it must run on, when that is not obvious.
   */
  | {
    kind: "operation";
    operation: string;
    args: Readonly<Record<string, string | number | null>>;
    database?: string;
  }
  /** A change of which database file is used, or how (the CLI's --db; the server's file). */
  | { kind: "action"; action: DatabaseAction; database?: string }
  /** Making these files readable and writable by their owner only. */
  | { kind: "owner_only"; paths: readonly string[] }
  /** Marking the database's event payloads spaced, so that export minifies every one. */
  | { kind: "mark_payloads_spaced"; database: string };

/** The actions on the choice of database file that a message may suggest. */
export type DatabaseAction =
  /** The path names a directory or a device: use a regular file. */
  | "pass_database_file"
  /** The file belongs to another program: use a dockswap-db file. */
  | "pass_dockswap_file"
  /** The path may be mistyped: check which file was meant. */
  | "check_database_path"
  /** The file cannot be written here: use one that can. */
  | "choose_writable_path"
  /** The file does not exist: name the one that does. */
  | "pass_existing_path"
  /** An empty file: the first write initialises it; the ways to make one now. */
  | "initialise_database";

/** A message: plain text and hints, in reading order. */
export type Words = readonly (string | Hint)[];

/** A parameter reference. */
export function param(name: string): Hint {
  return { kind: "param", param: name };
}

/** A call of another operation; `database` when the hint must name the file. */
export function call(
  operation: string,
  args: Record<string, string | number | null> = {},
  database?: string,
): Hint {
  return database === undefined
    ? { kind: "operation", operation, args }
    : { kind: "operation", operation, args, database };
}

/** An action on the database file. */
export function act(action: DatabaseAction, database?: string): Hint {
  return database === undefined ? { kind: "action", action } : { kind: "action", action, database };
}

/** Making files owner-only. */
export function ownerOnly(paths: readonly string[]): Hint {
  return { kind: "owner_only", paths };
}

/** Marking the payloads of `database` spaced (doctor's repair of `payload_spacing`). */
export function markPayloadsSpaced(database: string): Hint {
  return { kind: "mark_payloads_spaced", database };
}

function isHint(value: unknown): value is Hint {
  return typeof value === "object" && value !== null && "kind" in value;
}

/** A template literal whose interpolated hints stay data: say`run ${call("db.doctor")} now`. */
export function say(strings: TemplateStringsArray, ...values: unknown[]): Words {
  const words: (string | Hint)[] = [];
  const push = (text: string) => {
    if (text === "") return;
    const last = words.at(-1);
    if (typeof last === "string") words[words.length - 1] = last + text;
    else words.push(text);
  };
  strings.forEach((text, i) => {
    push(text);
    if (i < values.length) {
      const value = values[i];
      if (isHint(value)) words.push(value);
      else push(String(value));
    }
  });
  return words;
}

/** Joins messages with a separator (`; ` between several hints). */
export function joinWords(parts: readonly Words[], separator: string): Words {
  return parts.flatMap((part, i) => i === 0 ? [...part] : [separator, ...part]);
}

/** The hints of a message. */
export function hintsOf(words: Words): Hint[] {
  return words.filter(isHint);
}

/** Renders a message with one function per hint. */
export function renderWords(words: Words, hint: (hint: Hint) => string): string {
  return words.map((part) => typeof part === "string" ? part : hint(part)).join("");
}

/** Each database action in words for a caller that does not choose the file itself (RPC). */
const NAMED_ACTIONS: Readonly<Record<DatabaseAction, string>> = {
  pass_database_file: "start the server on a regular file's path",
  pass_dockswap_file: "start the server on a dockswap-db file",
  check_database_path: "Check the database path the server was started on",
  choose_writable_path: "start the server on a path it can write",
  pass_existing_path: "start the server on the database's path",
  initialise_database: "(config.add, deploy.start with config_yaml)",
};

/** A hint by the names a program uses: parameter and method names, arguments as JSON values. */
export function namedHint(hint: Hint): string {
  switch (hint.kind) {
    case "param":
      return hint.param;
    case "operation": {
      const args = Object.entries(hint.args).map(([name, value]) =>
        value === null ? name : `${name}=${JSON.stringify(value)}`
      );
      return `method ${hint.operation}` + (args.length > 0 ? ` (${args.join(", ")})` : "");
    }
    case "action":
      return NAMED_ACTIONS[hint.action];
    case "owner_only":
      return `mode 0600 on ${hint.paths.join(", ")}`;
    case "mark_payloads_spaced":
      return `payload_spacing.spaced = 1 in ${hint.database}`;
  }
}

/** A message with its hints by name (the JSON-RPC wording, and `Error.message`). */
export function namedText(words: Words): string {
  return renderWords(words, namedHint);
}
