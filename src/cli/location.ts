/** Which database file a command line means: --db, else $DOCKSWAP_DB, else a default; and why. */

import { DockswapError } from "../errors.ts";

/** The Go dockswap's config directory lookup order, after $DOCKSWAP_CONFIG_DIR. */
const GO_CONFIG_DIRS = ["./dockswap-cfg", "$HOME/.config/dockswap-cfg", "/etc/dockswap-cfg"];

/** The file name used inside a config directory and in the working directory. */
export const DEFAULT_FILE_NAME = "dockswap.db";

/** Inputs to the lookup, injected so that it is testable without touching the process. */
export interface LocationInputs {
  flag?: string;
  env: (name: string) => string | undefined;
  isDirectory: (path: string) => boolean;
}

/** A resolved database path and the rule that chose it. */
export interface DatabaseLocation {
  path: string;
  source: "--db" | "DOCKSWAP_DB" | "config_dir" | "default";
}

/**
 * `--db PATH`, else `$DOCKSWAP_DB`, else `dockswap.db` inside the first Go dockswap config
 * directory that exists ($DOCKSWAP_CONFIG_DIR, ./dockswap-cfg, ~/.config/dockswap-cfg,
 * /etc/dockswap-cfg), else `./dockswap.db`.
 */
export function locateDatabase(inputs: LocationInputs): DatabaseLocation {
  if (inputs.flag !== undefined) {
    return { path: checkFilePath(inputs.flag, "--db"), source: "--db" };
  }
  const fromEnv = inputs.env("DOCKSWAP_DB");
  if (fromEnv) return { path: checkFilePath(fromEnv, "$DOCKSWAP_DB"), source: "DOCKSWAP_DB" };
  const home = inputs.env("HOME");
  const candidates = [
    inputs.env("DOCKSWAP_CONFIG_DIR"),
    ...GO_CONFIG_DIRS.map((dir) => {
      if (!dir.startsWith("$HOME")) return dir;
      return home ? home + dir.slice("$HOME".length) : undefined;
    }),
  ];
  for (const dir of candidates) {
    if (dir && inputs.isDirectory(dir)) {
      return { path: `${dir.replace(/\/+$/, "")}/${DEFAULT_FILE_NAME}`, source: "config_dir" };
    }
  }
  return { path: `./${DEFAULT_FILE_NAME}`, source: "default" };
}

/**
 * An explicit --db must name a file: an empty value (an unset shell variable) would otherwise
 * fall back to another database, and a trailing slash (here or in $DOCKSWAP_DB) would create
 * a folder. An empty $DOCKSWAP_DB counts as unset, as shells treat it.
 */
function checkFilePath(flag: string, name: string): string {
  if (flag === "") {
    throw new DockswapError(
      "invalid_argument",
      "--db is empty (an unset variable?); give a database file path, or leave --db out to " +
        "use $DOCKSWAP_DB or the default location",
    );
  }
  if (flag.endsWith("/")) {
    throw new DockswapError(
      "invalid_argument",
      `${name} "${flag}" names a folder; give a file path, e.g. ${flag}${DEFAULT_FILE_NAME}`,
    );
  }
  return flag;
}
