/**
 * A one-shot command builds only its own group of commands (src/cli/program.ts): each group
 * declares exactly the commands it is listed with, and every command, built alone, is the
 * command the whole program has: the same help, options and arguments.
 */
import type { Command } from "commander";
import { assert, assertEquals } from "../_assert.ts";
import { buildProgram, COMMAND_GROUPS, COMMANDS, commandWord } from "../../src/cli/program.ts";
import { CommandRunner } from "../../src/cli/runner.ts";
import type { CliIo } from "../../src/cli/io.ts";

function program(only?: string): Command {
  const io = { columns: 80 } as CliIo;
  return buildProgram(new CommandRunner(io, COMMANDS), () => "dockswap-db (test)", false, only);
}

const names = (command: Command) => command.commands.map((c) => c.name());

/** Each command under `command` with its help text, by its path of words. */
function helpTexts(command: Command, path = ""): Map<string, string> {
  const texts = new Map<string, string>();
  for (const sub of command.commands) {
    const at = `${path} ${sub.name()}`.trim();
    texts.set(at, sub.helpInformation());
    for (const [inner, text] of helpTexts(sub, at)) texts.set(inner, text);
  }
  return texts;
}

Deno.test("the groups are the whole program's top-level commands, in its order", () => {
  const whole = program();
  assertEquals(
    names(whole).filter((name) => name !== "help"),
    COMMAND_GROUPS.flatMap(([words]) => words),
  );
  for (const [words] of COMMAND_GROUPS) {
    for (const word of words) assertEquals(names(program(word)), [...words, "help"], word);
  }
  // A word that names no command builds the whole program (commander then says so).
  assertEquals(names(program("statuz")), names(whole));
});

Deno.test("every command built with its group alone is the one the whole program has", () => {
  const whole = helpTexts(program());
  let compared = 0;
  for (const [words] of COMMAND_GROUPS) {
    for (const word of words) {
      for (const [path, text] of helpTexts(program(word))) {
        if (path === "help" || !(path === word || path.startsWith(`${word} `))) continue;
        assertEquals(text, whole.get(path), path);
        compared++;
      }
    }
  }
  assert(compared > 30, `${compared} commands compared`);
});

Deno.test("the command a command line names, after the global options", () => {
  assertEquals(commandWord(["status"]), "status");
  assertEquals(commandWord(["--db", "x.db", "--json", "status", "web"]), "status");
  assertEquals(commandWord(["--format", "csv", "--wide", "history", "web"]), "history");
  assertEquals(commandWord(["--db=status", "--format=json", "deploy", "start"]), "deploy");
  // The value of --db is not the command, even when it looks like one.
  assertEquals(commandWord(["--db", "status", "show", "1"]), "show");
  for (
    const unclear of [[], ["--db"], ["--help", "status"], ["-V"], ["--bogus", "status"], ["--"]]
  ) {
    assertEquals(commandWord(unclear), undefined, JSON.stringify(unclear));
  }
});
