/**
 * How a command spells its operation's parameters, declared as plain data next to the command:
 * the parser is set up from it (`argumentOf`, `optionOf`), and messages name a parameter, or
 * write a command line, from it (src/cli/speak.ts). The operation is named, not imported: the
 * command table costs nothing to build, and a command loads its operation when it runs.
 */

/** One parameter on the command line: a positional argument or an option. */
export type ParamSpelling =
  /** `<app>`, `[event]`: positionals are taken in the order they are declared. */
  | { argument: string; label?: string }
  /** `--image <image>`, `--yes` (a switch). */
  | { option: string; label?: string };

/** A command that runs an operation, and how its parameters are spelled. */
export interface CommandSpec {
  /** The words after `dockswap-db` (`["deploy", "start"]`). */
  readonly words: readonly string[];
  /** The operation's (RPC method's) name: `deploy.start`. */
  readonly method: string;
  /** Each parameter the command line gives, by its operation (RPC) name. */
  readonly params: Readonly<Record<string, ParamSpelling>>;
}

/** Declares a command. */
export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}

function spelling(spec: CommandSpec, param: string): ParamSpelling {
  const found = spec.params[param];
  if (!found) throw new Error(`${spec.words.join(" ")} declares no parameter ${param}`);
  return found;
}

/** The commander spelling of a declared positional (`<app>`). */
export function argumentOf(spec: CommandSpec, param: string): string {
  const found = spelling(spec, param);
  if (!("argument" in found)) throw new Error(`${param} of ${spec.words.join(" ")} is an option`);
  return found.argument;
}

/** The commander spelling of a declared option (`--image <image>`). */
export function optionOf(spec: CommandSpec, param: string): string {
  const found = spelling(spec, param);
  if (!("option" in found)) throw new Error(`${param} of ${spec.words.join(" ")} is positional`);
  return found.option;
}

/** The placeholder of an argument or option value: `<deployment_id>` -> DEPLOYMENT_ID. */
function placeholderOf(spelled: string): string | undefined {
  const match = spelled.match(/[<[]([^>\]]+)[>\]]/);
  return match ? match[1].replace(/\.\.\.$/, "").toUpperCase() : undefined;
}

/**
 * How a message names a parameter of this command: `--image`, `EVENT`, a positional's label
 * (`app name`); the whole params object is "arguments". A parameter the command does not
 * declare keeps its operation name.
 */
export function labelOf(spec: CommandSpec | undefined, param: string): string {
  if (param === "params") return "arguments";
  const found = spec?.params[param];
  if (!found) return param;
  if (found.label) return found.label;
  return "option" in found ? found.option.split(" ")[0] : placeholderOf(found.argument)!;
}

/** A parameter as a user types it: `--to DEPLOYMENT_ID`, `--yes`, `EVENT`. */
export function typedForm(spec: CommandSpec | undefined, param: string): string {
  const found = spec?.params[param];
  if (!found) return param;
  if ("argument" in found) return placeholderOf(found.argument)!;
  const [flag] = found.option.split(" ");
  const value = placeholderOf(found.option);
  return value ? `${flag} ${value}` : flag;
}

/**
 * The words of a command line that calls `spec`'s operation with `args` (null: a placeholder
 * the user fills in), or undefined when a parameter is not one this command can give.
 */
export function commandWords(
  spec: CommandSpec,
  args: Readonly<Record<string, string | number | null>>,
): string[] | undefined {
  if (Object.keys(args).some((param) => !spec.params[param])) return undefined;
  const words = [...spec.words];
  const options: string[] = [];
  for (const [param, spelled] of Object.entries(spec.params)) {
    if (!(param in args)) continue;
    const value = args[param];
    if ("argument" in spelled) {
      words.push(value === null ? placeholderOf(spelled.argument)! : String(value));
    } else {
      const [flag] = spelled.option.split(" ");
      options.push(flag, value === null ? placeholderOf(spelled.option) ?? "" : String(value));
    }
  }
  return [...words, ...options.filter((word) => word !== "")];
}
