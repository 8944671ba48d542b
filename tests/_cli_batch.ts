/**
 * Runs many command lines through the real CLI (runCli, as src/main.ts does) in one process,
 * for tests that sweep hundreds of argument combinations: one subprocess each would take minutes.
 * Reads a JSON array of argv arrays on stdin; prints a JSON array of {code, stdout, stderr}.
 *
 *   deno run ... tests/_cli_batch.ts < argvs.json
 */
import { denoIo } from "../src/cli/io.ts";
import { runCli } from "../src/cli/mod.ts";

const argvs = JSON.parse(await new Response(Deno.stdin.readable).text()) as string[][];
const results = [];
for (const argv of argvs) {
  let stdout = "";
  let stderr = "";
  const io = {
    ...denoIo(),
    out: (text: string) => void (stdout += text),
    err: (text: string) => void (stderr += text),
    readStdin: () => Promise.resolve(new Uint8Array()),
  };
  const code = await runCli(argv, io);
  results.push({ code, stdout, stderr });
}
console.log(JSON.stringify(results));
