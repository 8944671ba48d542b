import { DockswapError } from "./errors.ts";

/** Longest app name. */
export const MAX_APP_NAME_LENGTH = 128;

/**
 * App names as Docker accepts them in container names, which the Go dockswap derives from them.
 * ASCII only and without flags, so that it means the same to every JSON Schema validator.
 */
export const APP_NAME_PATTERN = new RegExp(
  `^[A-Za-z0-9][A-Za-z0-9_.-]{0,${MAX_APP_NAME_LENGTH - 1}}$`,
);

/** True when `name` is usable as an app name. */
export function isValidAppName(name: string): boolean {
  return APP_NAME_PATTERN.test(name);
}

/** A short description of the app-name rule, for error messages and --help. */
export const APP_NAME_RULE = "1-128 characters, each an ASCII letter (A-Z, a-z), a digit (0-9), " +
  "'_', '.' or '-', the first a letter or digit";

/** Throws `invalid_argument` unless `name` is a valid app name. */
export function assertAppName(name: string): string {
  if (!isValidAppName(name)) {
    throw new DockswapError(
      "invalid_argument",
      `Invalid app name ${JSON.stringify(name.slice(0, 200))}: use ${APP_NAME_RULE}`,
    );
  }
  return name;
}
