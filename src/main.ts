/** Composition root: argv to the CLI (or the stdio server); the only place that exits. */
import { runCli } from "./cli/mod.ts";
import { denoIo } from "./cli/io.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, denoIo()));
}
