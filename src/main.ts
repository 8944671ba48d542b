/** Composition root: argv to the CLI (or the stdio server); the only place that exits. */
import { runCli } from "./cli/mod.ts";
import { denoIo } from "./cli/io.ts";

if (import.meta.main) {
  // A write past the file-size limit (`ulimit -f`) raises SIGXFSZ, whose default action kills
  // the process mid-transaction with no message. Handled, the write fails with EFBIG instead and
  // SQLite reports it (io_error) after rolling the transaction back.
  Deno.addSignalListener("SIGXFSZ", () => {});
  Deno.exit(await runCli(Deno.args, denoIo()));
}
