import type { Command } from "commander";
import { openDatabase } from "../../db/open.ts";
import { MAX_LINE_BYTES } from "../../rpc/framing.ts";
import { nowIso } from "../../time.ts";
import { EXIT_SIGNAL } from "../exit_status.ts";
import type { CommandRunner } from "../runner.ts";

/** `rpc`: JSON-RPC 2.0 on stdin/stdout until EOF, one JSON value per line. */
export function registerRpcCommand(program: Command, runner: CommandRunner): void {
  program.command("rpc")
    .description("Serve JSON-RPC 2.0 requests from stdin (one per line) until EOF")
    .addHelpText(
      "after",
      `\nOne JSON value per line in and out, UTF-8, lines up to ${MAX_LINE_BYTES} bytes. ` +
        "stdout carries responses only.\n" +
        "Requests already waiting on stdin commit together; each response is written after " +
        "its commit.\nCall rpc.discover for every method with its JSON Schemas.\n" +
        "Example:\n" +
        `  echo '{"jsonrpc":"2.0","id":1,"method":"ping"}' | dockswap-db rpc`,
    )
    .action(async (_options, command: Command) => {
      const { fileWriter, serveRpc } = await import("../../rpc/mod.ts");
      // Opened once, before reading: a database that cannot be used fails the command at once.
      const db = openDatabase(runner.databasePath(command), { adoptGoFile: runner.adoptGoFile });
      runner.warnIfReadableByOthers(db.path);
      const stop = new AbortController();
      let stoppedBy: "SIGINT" | "SIGTERM" | undefined;
      const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
        const listener = () => {
          stoppedBy ??= signal;
          stop.abort();
        };
        Deno.addSignalListener(signal, listener);
        return () => Deno.removeSignalListener(signal, listener);
      });
      try {
        const end = await serveRpc({
          context: { db, now: nowIso },
          // The files themselves, not their streams: a round trip is cheaper without them.
          input: Deno.stdin,
          output: fileWriter(Deno.stdout),
          signal: stop.signal,
          note: (text) => runner.note(`dockswap-db rpc: ${text}`),
        });
        if (end === "stopped" && stoppedBy) runner.exitCode = EXIT_SIGNAL[stoppedBy];
      } finally {
        for (const remove of listeners) remove();
        db.close();
      }
    });
}
