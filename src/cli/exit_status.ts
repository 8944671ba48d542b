/**
 * Every exit status of the command line and what it means: the one table `--help` prints and
 * docs/cli.md's table is checked against. An error's status comes from its code (ERROR_CODES in
 * src/errors.ts); the others a command sets on purpose.
 */
import { ERROR_CODES, type ErrorCode } from "../errors.ts";

export const EXIT_OK = 0;

/** `config check`: the file differs from the latest stored version. */
export const EXIT_CONFIG_CHANGED = 1;

/** `doctor`: a check failed. */
export const EXIT_DOCTOR_PROBLEMS = 1;

/** `verify`: a link of the history's hash chains, or a config's hash, is broken. */
export const EXIT_VERIFY_BROKEN = 1;

/** `rpc` stopped by a signal: 128 + the signal's number, as shells report it. */
export const EXIT_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

type ErrorExit = typeof ERROR_CODES[ErrorCode]["exit"];

/** What each error status means, in the words of `--help`; a new status fails to compile here. */
const ERROR_MEANINGS: Readonly<Record<ErrorExit, string>> = {
  2: "usage or invalid argument",
  3: "not found",
  4: "invalid config or payload",
  5: "refused by the deployment state",
  6: "database refused (newer schema, checksum, foreign or read-only file)",
  7: "database busy",
  8: "file error",
  9: "fleet server (sync, fleet): unreachable, refused or too old",
  70: "internal error",
};

/** One row of the table: the statuses, what they mean, and the error codes that end with them. */
export interface ExitStatusRow {
  readonly statuses: readonly number[];
  readonly meaning: string;
  readonly codes: readonly ErrorCode[];
}

const ERROR_ROWS: ExitStatusRow[] = (Object.entries(ERROR_MEANINGS) as [string, string][])
  .map(([status, meaning]) => ({
    statuses: [Number(status)],
    meaning,
    codes: (Object.keys(ERROR_CODES) as ErrorCode[])
      .filter((code) => ERROR_CODES[code].exit === Number(status)),
  }))
  .sort((a, b) => a.statuses[0] - b.statuses[0]);

/** Every exit status, ascending. */
export const EXIT_STATUSES: readonly ExitStatusRow[] = [
  { statuses: [EXIT_OK], meaning: "ok", codes: [] },
  {
    statuses: [EXIT_CONFIG_CHANGED],
    meaning: '"changed" (config check), a failed check (doctor) or a broken link (verify)',
    codes: [],
  },
  ...ERROR_ROWS,
  {
    statuses: [EXIT_SIGNAL.SIGINT, EXIT_SIGNAL.SIGTERM],
    meaning: "rpc stopped by SIGINT or SIGTERM",
    codes: [],
  },
];

/** The table as one line of `--help`: `Exit status: 0 ok; 1 ...; 70 internal error.` */
export function exitStatusHelp(): string {
  // The signal statuses are rpc's alone, told by `rpc --help`'s page, not the program's summary.
  const rows = EXIT_STATUSES.filter((row) => !row.statuses.includes(EXIT_SIGNAL.SIGINT));
  return `Exit status: ${
    rows.map((row) => `${row.statuses.join(", ")} ${row.meaning}`).join("; ")
  }.`;
}
