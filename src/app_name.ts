import { DockswapError } from "./errors.ts";

/** App names as Docker accepts them in container names, which the Go dockswap derives from them. */
const APP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

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
