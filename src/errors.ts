/**
 * Typed errors with stable codes. The CLI derives its exit status and the RPC server its
 * JSON-RPC error code from the code, so both doors report one failure the same way. (The
 * JSON-RPC protocol's own errors, which no operation raises, are in src/rpc/envelope.ts.)
 */
import { type Hint, hintsOf, namedText, type Words } from "./words.ts";

/** Every failure a user can cause, with the exit status and JSON-RPC code it maps to. */
export const ERROR_CODES = {
  invalid_argument: { exit: 2, rpc: -32602 },
  not_found: { exit: 3, rpc: -32001 },
  config_invalid: { exit: 4, rpc: -32002 },
  invalid_payload: { exit: 4, rpc: -32003 },
  invalid_transition: { exit: 5, rpc: -32010 },
  deploy_in_progress: { exit: 5, rpc: -32011 },
  app_failed: { exit: 5, rpc: -32012 },
  schema_too_new: { exit: 6, rpc: -32020 },
  migration_checksum_mismatch: { exit: 6, rpc: -32021 },
  not_a_dockswap_database: { exit: 6, rpc: -32022 },
  database_readonly: { exit: 6, rpc: -32023 },
  database_corrupt: { exit: 6, rpc: -32024 },
  database_error: { exit: 6, rpc: -32025 },
  host_identity_conflict: { exit: 6, rpc: -32026 },
  database_busy: { exit: 7, rpc: -32030 },
  file_exists: { exit: 8, rpc: -32040 },
  io_error: { exit: 8, rpc: -32041 },
  server_unreachable: { exit: 9, rpc: -32050 },
  server_refused: { exit: 9, rpc: -32051 },
  server_unsupported: { exit: 9, rpc: -32052 },
  internal: { exit: 70, rpc: -32603 },
} as const;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An error a user can cause and act on. `words` say what was wrong and what to do, with the
 * parameter and the suggested action as typed hints that each edge words for its users
 * (`message` is the neutral wording, by parameter and method names); `details` are the facts.
 */
export class DockswapError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly words: Words;

  constructor(code: ErrorCode, message: string | Words, details?: Record<string, unknown>) {
    const words = typeof message === "string" ? [message] : message;
    super(namedText(words));
    this.name = "DockswapError";
    this.code = code;
    this.details = details;
    this.words = words;
  }

  /** The parameters and actions the message refers to, as data. */
  get hints(): Hint[] {
    return hintsOf(this.words);
  }

  /** The process exit status for this error. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** Shorthand for the most common refusal. */
export function notFound(
  message: string | Words,
  details?: Record<string, unknown>,
): DockswapError {
  return new DockswapError("not_found", message, details);
}
