/**
 * docs/cli.md against the program: the commander definitions of src/cli/program.ts (every
 * command, argument and option), ERROR_CODES of src/errors.ts and EXIT_STATUSES of
 * src/cli/exit_status.ts (the exit-status table). A command, argument or flag added to the program
 * and not documented, or documented and not in the program, fails here; so does an error code
 * missing from the table or listed under another status, and a status the table lacks.
 */
import type { Command, Option } from "commander";
import { assert, assertEquals } from "../_assert.ts";
import { cli } from "../_cli.ts";
import { headings, section, tableRows } from "../_docs.ts";
import { ERROR_CODES, type ErrorCode } from "../../src/errors.ts";
import { EXIT_STATUSES } from "../../src/cli/exit_status.ts";
import { buildProgram, COMMANDS } from "../../src/cli/program.ts";
import { CommandRunner } from "../../src/cli/runner.ts";
import { runCli } from "../../src/cli/mod.ts";
import type { CliIo } from "../../src/cli/io.ts";

const PAGE = "docs/cli.md";

/** The program as the binary builds it; its actions are never run here. */
function program(): Command {
  const unused = () => {
    throw new Error("the docs test runs no command");
  };
  const io = new Proxy({}, { get: () => unused }) as CliIo;
  return buildProgram(new CommandRunner(io, COMMANDS), () => "dockswap-db (docs test)");
}

/** Every command that runs something (a group like `config` only holds commands), by its path. */
function leafCommands(root: Command): Map<string, Command> {
  const found = new Map<string, Command>();
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      // `help [COMMAND...]` at every level is documented once, under "Global options".
      if (sub.name() === "help") continue;
      const subPath = [...path, sub.name()];
      if (sub.commands.length > 0) walk(sub, subPath);
      else found.set(subPath.join(" "), sub);
    }
  };
  walk(root, []);
  return found;
}

/** An option as the docs write it: `-V, --version`, `--image IMAGE`. */
function documented(option: Option): string {
  const value = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  const names = [option.short, option.long].filter(Boolean).join(", ");
  return value ? `${names} ${value.toUpperCase()}` : names;
}

/** The first cells of a section's option table, without their backticks. */
function documentedOptions(text: string): string[] {
  return tableRows(text).map(([first]) => first.replace(/^`|`$/g, ""));
}

Deno.test("docs/cli.md: global options are the program's", () => {
  const root = program();
  const options = [...root.options, root.createHelp().visibleOptions(root).at(-1)!];
  assertEquals(options.at(-1)!.long, "--help");
  const text = section(PAGE, "Global options");
  assertEquals(documentedOptions(text).sort(), options.map(documented).sort());
  assert(root.commands.some((c) => c.name() === "help"), "no help command");
  assert(text.includes("`dockswap-db help COMMAND [SUBCOMMAND]`"), `${PAGE}: the help command`);
  for (const option of root.options) {
    for (const choice of option.argChoices ?? []) {
      assert(text.includes(`\`${choice}\``), `${PAGE}: --${option.name()} choice ${choice}`);
    }
  }
});

Deno.test("docs/cli.md: one section per command, each with its synopsis, arguments and options", () => {
  const commands = leafCommands(program());
  const documentedCommands = headings(PAGE)
    .filter((h) => h.level === 3 && /^`[^`]+`$/.test(h.text))
    .map((h) => h.text.slice(1, -1));
  assertEquals(documentedCommands.toSorted(), [...commands.keys()].sort());

  for (const [path, command] of commands) {
    const text = section(PAGE, `\`${path}\``);
    const synopsis = /```text\n(dockswap-db [\s\S]*?)\n```/.exec(text)?.[1] ?? "";
    assert(synopsis.startsWith(`dockswap-db ${path}`), `${PAGE} ${path}: no synopsis`);
    for (const argument of command.registeredArguments) {
      const name = argument.name().toUpperCase();
      assert(new RegExp(`\\b${name}\\b`).test(synopsis), `${PAGE} ${path}: synopsis lacks ${name}`);
    }
    for (const option of command.options) {
      assert(synopsis.includes(option.long!), `${PAGE} ${path}: synopsis lacks ${option.long}`);
      for (const choice of option.argChoices ?? []) {
        assert(text.includes(`\`${choice}\``), `${PAGE} ${path}: ${option.long} choice ${choice}`);
      }
    }
    const flagsInSynopsis = synopsis.match(/--[a-z][a-z-]*/g) ?? [];
    for (const flag of flagsInSynopsis) {
      assert(command.options.some((o) => o.long === flag), `${PAGE} ${path}: ${flag} is no option`);
    }
    assertEquals(
      documentedOptions(text).sort(),
      command.options.map(documented).sort(),
      `${PAGE} ${path}: the option table`,
    );
    if (command.options.length === 0) assert(/No\s+options\./.test(text), `${PAGE} ${path}`);
  }
});

Deno.test("docs/cli.md: the exit-status table is ERROR_CODES", () => {
  const rows = tableRows(section(PAGE, "Exit status"));
  const listed = new Map<string, string>();
  for (const [status, _meaning, codes] of rows) {
    for (const [, code] of codes.matchAll(/`([a-z_]+)`/g)) {
      assert(!listed.has(code), `${PAGE}: ${code} listed twice`);
      listed.set(code, status);
    }
  }
  const expected = new Map<string, string>(
    (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => [code, String(ERROR_CODES[code].exit)]),
  );
  assertEquals(
    Object.fromEntries([...listed].sort()),
    Object.fromEntries([...expected].sort()),
  );
  // The statuses no error code carries: success, "changed"/a failed check, the rpc signals.
  const statuses = rows.map(([status]) => status);
  for (const status of ["0", "1", "130, 143"]) assert(statuses.includes(status), status);
});

Deno.test("docs/cli.md: the exit-status table has exactly the program's statuses, each with its codes", () => {
  const documented = tableRows(section(PAGE, "Exit status")).map((
    [status, _meaning, codes],
  ) => [status, [...codes.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort()]);
  assertEquals(
    documented,
    EXIT_STATUSES.map((row) => [row.statuses.join(", "), [...row.codes].sort()]),
  );
});

Deno.test("docs/cli.md: the binary's --help lists exactly the documented command groups", async () => {
  const help = await cli(["--help"]);
  assertEquals(help.code, 0, help.stderr);
  const listed = [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);
  const documentedGroups = new Set([...leafCommands(program()).keys()].map((p) => p.split(" ")[0]));
  assertEquals(new Set(listed.filter((name) => name !== "help")), documentedGroups);
});

Deno.test("docs/cli.md: every flag a command's --help mentions is documented", async () => {
  for (const path of leafCommands(program()).keys()) {
    const help = await helpOf(path.split(" "));
    const text = section(PAGE, `\`${path}\``);
    for (const flag of help.match(/--[a-z][a-z-]*/g) ?? []) {
      if (flag === "--help") continue;
      assert(
        text.includes(`\`${flag}`) || section(PAGE, "Global options").includes(`\`${flag}`),
        `${PAGE} ${path}: ${flag} (in --help) is not documented`,
      );
    }
  }
});

/** `dockswap-db PATH --help` as runCli prints it (in process: the same code the binary runs). */
async function helpOf(path: string[]): Promise<string> {
  let out = "";
  const io: CliIo = {
    out: (text) => void (out += text),
    stdout: {
      writeSync: () => {
        throw new Error("--help wrote bytes to stdout");
      },
    },
    err: (text) => {
      throw new Error(`--help wrote to stderr: ${text}`);
    },
    readStdin: () => Promise.reject(new Error("no stdin")),
    readFile: () => {
      throw new Error("no files");
    },
    env: () => undefined,
    isDirectory: () => false,
    isMissingOrEmpty: () => true,
    stderrIsTerminal: false,
    columns: 80,
    stdoutIsTerminal: false,
  };
  assertEquals(await runCli([...path, "--help"], io), 0);
  return out;
}
