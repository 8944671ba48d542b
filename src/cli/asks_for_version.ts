/**
 * Whether a command line asks only for `--version`: a module of its own, importing nothing, so that
 * the bundle's loader answers it without the migrations src/cli/version.ts brings.
 */

/** True when the whole command line is `--version` (or `-V`): the answer needs no parser. */
export function asksOnlyForVersion(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V");
}
