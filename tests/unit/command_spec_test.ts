/**
 * The commands' declarations (src/cli/command_spec.ts) against the parser and the operations,
 * and the CLI's and the server's wording of the same hints, in-process.
 */
import type { Command } from "commander";
import { assert, assertEquals } from "../_assert.ts";
import { buildProgram, COMMANDS } from "../../src/cli/program.ts";
import { CommandRunner } from "../../src/cli/runner.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { CliSpeaker } from "../../src/cli/speak.ts";
import { act, call, namedText, ownerOnly, param, say } from "../../src/words.ts";
import { DockswapError } from "../../src/errors.ts";
import { z } from "zod";
import { OPERATIONS } from "../../src/operations/mod.ts";

function program(): Command {
  const unused = () => {
    throw new Error("not used");
  };
  const io = new Proxy({}, { get: () => unused }) as CliIo;
  return buildProgram(new CommandRunner(io, COMMANDS), () => "dockswap-db (test)");
}

function commandAt(root: Command, words: readonly string[]): Command | undefined {
  let at: Command | undefined = root;
  for (const word of words) at = at?.commands.find((c) => c.name() === word);
  return at;
}

Deno.test("each command names an operation, each declared parameter is that operation's, and the parser takes it as declared", () => {
  const root = program();
  for (const spec of COMMANDS) {
    const name = spec.words.join(" ");
    const command = commandAt(root, spec.words);
    assert(command, `${name}: no such command`);
    const operation = OPERATIONS.get(spec.method);
    assert(operation, `${name}: no operation ${spec.method}`);
    const shape = operation.params instanceof z.ZodObject
      ? Object.keys(operation.params.shape)
      : [];
    const flags = command.options.map((o) => o.flags);
    const args = command.registeredArguments.map((a) =>
      a.required ? `<${a.name()}>` : `[${a.name()}]`
    );
    for (const [param, spelled] of Object.entries(spec.params)) {
      assert(shape.includes(param), `${name}: ${spec.method} has no parameter ${param}`);
      if ("option" in spelled) assert(flags.includes(spelled.option), `${name}: ${spelled.option}`);
      else assert(args.includes(spelled.argument), `${name}: ${spelled.argument}`);
    }
  }
});

Deno.test("hints in each surface's words", () => {
  const rollback = COMMANDS.find((c) => c.method === "deploy.rollback")!;
  const cliWords = new CliSpeaker(COMMANDS).for(rollback);
  const words = say`name the deployment (${param("to_deployment_id")}) or run ${
    call("deploy.recover", { app_name: "web-api" })
  }`;
  assertEquals(
    cliWords.text(words),
    'name the deployment (--to DEPLOYMENT_ID) or run "dockswap-db recover web-api"',
  );
  assertEquals(
    namedText(words),
    'name the deployment (to_deployment_id) or run method deploy.recover (app_name="web-api")',
  );
  // A hint naming the database pastes into any shell; files to chmod are quoted as needed.
  assertEquals(
    cliWords.text([call("config.add", { config_yaml: null }, "/var/lib/d b.db")]),
    "dockswap-db --db '/var/lib/d b.db' config add FILE",
  );
  assertEquals(cliWords.text([ownerOnly(["/x/it's.db"])]), `chmod 600 '/x/it'\\''s.db'`);
  assertEquals(cliWords.text([act("pass_database_file")]), "pass a file path with --db");
  assert(!namedText([act("pass_database_file")]).includes("--"));
  // An error's message is the neutral wording; its hints stay data.
  const error = new DockswapError("not_found", words);
  assertEquals(error.message, namedText(words));
  assertEquals(error.hints.map((h) => h.kind), ["param", "operation"]);
});
