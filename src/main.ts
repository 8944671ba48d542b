/** Composition root: argv to the CLI (or the stdio server); the only place that exits. */
import { denoIo } from "./cli/io.ts";
import { asksOnlyForVersion } from "./cli/asks_for_version.ts";
import { versionLine } from "./cli/version.ts";

/** Runs the command line `args` and exits with its status. */
export async function main(args: string[]): Promise<never> {
  // A write past the file-size limit (`ulimit -f`) raises SIGXFSZ, whose default action kills
  // the process mid-transaction with no message. Handled, the write fails with EFBIG instead and
  // SQLite reports it (io_error) after rolling the transaction back.
  Deno.addSignalListener("SIGXFSZ", () => {});
  const io = denoIo();
  if (asksOnlyForVersion(args)) {
    io.out(versionLine() + "\n");
    Deno.exit(0);
  }
  // Loaded only for a command: `--version` alone needs none of the program.
  const { runCli } = await import("./cli/mod.ts");
  Deno.exit(await runCli(args, io));
}

// Deno keeps V8's compiled code of the program for the next start once the module's evaluation
// has ended and its event loop has turned; a process that exits before then compiles it all again.
// Any async op's answer turns the loop; a first setTimeout would load Deno's Node-compatible timers.
if (import.meta.main) {
  const go = () => main(Deno.args);
  Deno.realPath(".").then(go, go);
}
