/**
 * The CLI's words for the hints in messages (src/words.ts): a parameter as the running command
 * spells it, another operation as a dockswap-db command line that pastes into a shell and works.
 */
import { absolutePath } from "../file_paths.ts";
import type { DatabaseAction, Hint, Words } from "../words.ts";
import { namedHint, renderWords } from "../words.ts";
import { type CommandSpec, commandWords, typedForm } from "./command_spec.ts";

/** Quotes a word for a POSIX shell only when it needs it, so hints read as typed. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_\/.,:@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A dockswap-db command line naming the database by its absolute path: it works pasted into any
 * shell, whatever its folder or $DOCKSWAP_DB.
 */
export function commandFor(databasePath: string, ...args: string[]): string {
  return ["dockswap-db", "--db", absolutePath(databasePath), ...args].map(shellWord).join(" ");
}

/** `chmod 600` ready to paste. */
export function ownerOnlyCommand(paths: readonly string[]): string {
  return ["chmod", "600", ...paths].map(shellWord).join(" ");
}

/** The sqlite3 update that marks payloads spaced, ready to paste (sqlite3 3.37+ reads STRICT). */
function markPayloadsSpacedCommand(databasePath: string): string {
  return ["sqlite3", absolutePath(databasePath), "UPDATE payload_spacing SET spaced = 1"]
    .map(shellWord).join(" ");
}

/** Each database action as the CLI says it: the file is chosen with --db (or $DOCKSWAP_DB). */
function actionText(action: DatabaseAction, database: string | undefined): string {
  switch (action) {
    case "pass_database_file":
      return "pass a file path with --db";
    case "pass_dockswap_file":
      return "pass --db with a dockswap-db file";
    case "check_database_path":
      return "Check --db or $DOCKSWAP_DB";
    case "choose_writable_path":
      return "choose a path you can write with --db";
    case "pass_existing_path":
      return "pass --db with its path";
    case "initialise_database":
      return "(config add, deploy start --config, rpc); to do it now: " +
        `${commandFor(database ?? "dockswap.db", "rpc")} < /dev/null`;
  }
}

/** Words the CLI way, for the command `running` (which spells the parameters), among `commands`. */
export class CliSpeaker {
  constructor(
    private readonly commands: readonly CommandSpec[],
    private readonly running?: CommandSpec,
  ) {}

  /** The same speaker, naming parameters as `spec` spells them. */
  for(spec: CommandSpec): CliSpeaker {
    return new CliSpeaker(this.commands, spec);
  }

  /** A message in the CLI's words. */
  readonly text = (words: Words): string => renderWords(words, (hint) => this.hint(hint));

  hint(hint: Hint): string {
    switch (hint.kind) {
      case "param":
        return typedForm(this.running, hint.param);
      case "operation":
        return this.#command(hint) ?? namedHint(hint);
      case "action":
        return actionText(hint.action, hint.database);
      case "owner_only":
        return ownerOnlyCommand(hint.paths);
      case "mark_payloads_spaced":
        return markPayloadsSpacedCommand(hint.database);
    }
  }

  /** A command line for a call: quoted as a whole, or naming its database (then paste-ready). */
  #command(hint: Hint & { kind: "operation" }): string | undefined {
    for (const spec of this.commands) {
      if (spec.method !== hint.operation) continue;
      const words = commandWords(spec, hint.args);
      if (!words) continue;
      return hint.database === undefined
        ? `"dockswap-db ${words.map(shellWord).join(" ")}"`
        : commandFor(hint.database, ...words);
    }
    return undefined;
  }
}
