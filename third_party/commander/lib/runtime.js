// dockswap-db: what commander took from Node's built-ins (node:events, node:process, node:util,
// node:fs, node:path, node:child_process), written for Deno without the Node compatibility layer,
// which would otherwise load for every command of the one-file bundle. See ../README.md.

/** The part of node:events' EventEmitter that commander uses. */
export class EventEmitter {
  #listeners = new Map();

  on(event, listener) {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return this;
  }

  emit(event, ...args) {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const listener of [...list]) listener.apply(this, args);
    return true;
  }

  listenerCount(event) {
    return this.#listeners.get(event)?.length ?? 0;
  }
}

const encoder = new TextEncoder();

function stream(file) {
  return {
    write: (text) => {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
      return true;
    },
    get isTTY() {
      return file.isTerminal();
    },
    get columns() {
      return Deno.consoleSize().columns;
    },
    hasColors: () => file.isTerminal(),
  };
}

/** The part of node:process commander reads; the environment only when a variable is asked for. */
export const process = {
  get argv() {
    return [Deno.execPath(), Deno.mainModule, ...Deno.args];
  },
  execArgv: [],
  versions: {},
  get execPath() {
    return Deno.execPath();
  },
  platform: Deno.build.os === "windows" ? "win32" : Deno.build.os,
  env: new Proxy({}, {
    get: (_target, name) => typeof name === "string" ? Deno.env.get(name) : undefined,
    has: (_target, name) => typeof name === "string" && Deno.env.get(name) !== undefined,
  }),
  stdout: stream(Deno.stdout),
  stderr: stream(Deno.stderr),
  get exitCode() {
    return Deno.exitCode;
  },
  exit: (code) => Deno.exit(code),
  on: () => {},
};

// Node's own pattern (lib/internal/util/inspect.js) for ANSI escape sequences.
const ANSI = new RegExp(
  "[\\u001B\\u009B][[\\]()#;?]*" +
    "(?:(?:(?:(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]+)*" +
    "|[a-zA-Z\\d]+(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]*)*)?" +
    "(?:\\u0007|\\u001B\\u005C|\\u009C))" +
    "|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?" +
    "[\\dA-PR-TZcf-nq-uy=><~]))",
  "g",
);

/** node:util's stripVTControlCharacters. */
export function stripVTControlCharacters(text) {
  return text.replace(ANSI, "");
}

function unsupported() {
  throw new Error("commander: stand-alone executable subcommands are not supported in this copy");
}

/** Stand-alone executable subcommands (node:fs, node:child_process) are not supported here. */
export const fs = { existsSync: unsupported, realpathSync: unsupported };
export const childProcess = { spawn: unsupported };

/** The part of node:path commander uses: only for executable subcommands and a script's name. */
export const path = {
  basename(file, ext) {
    const base = file.replace(/[\\/]+$/, "").split(/[\\/]/).pop() ?? "";
    return ext && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
  },
  extname(file) {
    const base = path.basename(file);
    const dot = base.lastIndexOf(".");
    return dot > 0 ? base.slice(dot) : "";
  },
  dirname: unsupported,
  resolve: unsupported,
};
