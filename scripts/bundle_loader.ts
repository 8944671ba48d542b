/**
 * The start of the one-file bundle (scripts/bundle.ts writes it first, then the program as an
 * archive in a comment at the end of the file). Deno parses every byte of a module on every
 * start, so the file holds only this: `--version` is answered here, and a command imports the
 * program from a folder of files unpacked once from the archive, where each start parses only
 * the modules its command uses and Deno keeps their compiled code, as for any installed program.
 *
 * The folder is `$DOCKSWAP_CACHE_DIR/<archive id>` (default `$HOME/.cache/dockswap-db/...`). It is
 * unpacked into a private temporary folder and renamed into place, so a folder with the final name
 * is always complete, and it is used only when it and its parent are real folders (not links) of
 * this user that no one else may write. When it cannot be used, the program is unpacked into a
 * private temporary folder for this run only, removed when the process exits.
 */
import { denoIo } from "../src/cli/io.ts";
import { sqliteVersion } from "../src/db/database.ts";

/**
 * Replaced by scripts/bundle.ts: what `versionLine()` of src/cli/version.ts says, with @SQLITE@
 * for the SQLite the running Deno links.
 */
const VERSION_LINE = "@VERSION_LINE@";
/** Replaced by scripts/bundle.ts: the archive's id (part of its SHA-256), naming its folder. */
const ARCHIVE_ID = "@ARCHIVE_ID@";
/** Opens the comment holding the archive (base64 of gzip, the files as `unpackArchive` reads). */
const ARCHIVE_MARK = "/*dockswap-db archive\n";
/** What names a folder being unpacked into, in the cache folder. */
const UNPACKING = ".unpack-";
/** The program's module, exporting `main(args)`. */
const ENTRY = "main.js";

/** The folder the program is unpacked into once for every run, or undefined without one. */
function cacheRoot(): string | undefined {
  const given = Deno.env.get("DOCKSWAP_CACHE_DIR");
  if (given) return given.startsWith("/") ? given : `${Deno.cwd()}/${given}`;
  const home = Deno.env.get("HOME");
  return home ? `${home}/.cache/dockswap-db` : undefined;
}

/**
 * The user this process runs as: the owner of a file it makes in `folder` (Deno lets a program
 * without `--allow-sys` neither ask nor stat /proc/self); null when it cannot make one there.
 */
function currentUid(folder: string): number | null {
  try {
    const probe = Deno.makeTempFileSync({ dir: folder, prefix: ".owner-" });
    try {
      return Deno.lstatSync(probe).uid;
    } finally {
      Deno.removeSync(probe);
    }
  } catch {
    return null;
  }
}

/** True when `path` is a folder itself (not a link to one), of `uid`, that no one else may write. */
function isPrivateFolder(path: string, uid: number | null): boolean {
  try {
    const info = Deno.lstatSync(path);
    return info.isDirectory && uid !== null && info.uid === uid && (info.mode! & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The program's files (name, bytes), from the archive at the end of this file. */
async function unpackArchive(): Promise<[string, Uint8Array][]> {
  const text = Deno.readTextFileSync(new URL(import.meta.url));
  const start = text.lastIndexOf(ARCHIVE_MARK) + ARCHIVE_MARK.length;
  const base64 = text.slice(start, text.indexOf("\n", start));
  // Uint8Array.fromBase64 is recent in V8: a Deno without it decodes through atob.
  const gzip = Uint8Array.fromBase64?.(base64) ??
    Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  const stream = new Blob([gzip]).stream().pipeThrough(new DecompressionStream("gzip"));
  // A line of JSON, [[name, size], ...], then the files' bytes one after the other.
  const bytes = await new Response(stream).bytes();
  const newline = bytes.indexOf(0x0a);
  const sizes: [string, number][] = JSON.parse(
    new TextDecoder().decode(bytes.subarray(0, newline)),
  );
  let offset = newline + 1;
  return sizes.map(([name, size]) => [name, bytes.subarray(offset, offset += size)]);
}

/** Writes the program's files owner-only into `folder`, made for them and empty. */
function writeFiles(folder: string, files: [string, Uint8Array][]): void {
  for (const [name, bytes] of files) {
    Deno.writeFileSync(`${folder}/${name}`, bytes, { mode: 0o600, createNew: true });
  }
}

/**
 * The cached folder of the program, unpacked now if it is not there yet; undefined when there is
 * no cache folder this process may trust or create.
 */
async function cachedProgram(): Promise<string | undefined> {
  const root = cacheRoot();
  if (!root) return undefined;
  let uid = currentUid(root);
  if (uid === null) {
    try {
      Deno.mkdirSync(root, { recursive: true, mode: 0o700 });
    } catch {
      return undefined;
    }
    uid = currentUid(root);
  }
  const folder = `${root}/${ARCHIVE_ID}`;
  if (!isPrivateFolder(root, uid)) return undefined;
  if (isPrivateFolder(folder, uid)) return folder;
  // A folder with the final name that failed the check is someone else's or open to others: it
  // is left alone, and not replaced either.
  if (exists(folder)) return undefined;
  removeAbandoned(root);
  let partial: string | undefined;
  try {
    partial = Deno.makeTempDirSync({ dir: root, prefix: UNPACKING });
    writeFiles(partial, await unpackArchive());
    Deno.renameSync(partial, folder);
    partial = undefined;
  } catch {
    // Another process may have renamed its complete copy into place first: use that one.
  } finally {
    if (partial) Deno.removeSync(partial, { recursive: true });
  }
  return isPrivateFolder(folder, uid) ? folder : undefined;
}

/** Removes what processes killed while unpacking left in `root` (an hour ago or more). */
function removeAbandoned(root: string): void {
  for (const entry of Deno.readDirSync(root)) {
    if (!entry.name.startsWith(UNPACKING)) continue;
    const path = `${root}/${entry.name}`;
    try {
      const age = Date.now() - (Deno.lstatSync(path).mtime?.getTime() ?? Date.now());
      if (age > 3_600_000) Deno.removeSync(path, { recursive: true });
    } catch {
      // Another process removed it first.
    }
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A private folder holding the program for this run only, removed when the process exits. */
async function temporaryProgram(): Promise<string> {
  const folder = Deno.makeTempDirSync({ prefix: "dockswap-db-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(folder, { recursive: true }));
  writeFiles(folder, await unpackArchive());
  return folder;
}

/** `asksOnlyForVersion` of src/cli/version.ts, whose module would bring every migration here. */
function asksOnlyForVersion(args: string[]): boolean {
  return args.length === 1 && (args[0] === "--version" || args[0] === "-V");
}

async function start(args: string[]): Promise<void> {
  if (asksOnlyForVersion(args)) {
    denoIo().out(VERSION_LINE.replace("@SQLITE@", sqliteVersion()) + "\n");
    Deno.exit(0);
  }
  let folder: string | undefined;
  try {
    folder = await cachedProgram();
  } catch {
    folder = undefined;
  }
  try {
    folder ??= await temporaryProgram();
  } catch (error) {
    // As a file error of the program: exit status 8, io_error.
    denoIo().err(
      `dockswap-db: cannot unpack the program into ${cacheRoot() ?? "$HOME/.cache/dockswap-db"} ` +
        `nor into a temporary folder (${error}). Set DOCKSWAP_CACHE_DIR to a folder of yours ` +
        `that can be written. [io_error]\n`,
    );
    Deno.exit(8);
  }
  const url = `file://${`${folder}/${ENTRY}`.split("/").map(encodeURIComponent).join("/")}`;
  const program = await import(url);
  await program.main(args);
}

// Deno keeps V8's compiled code of this file once its evaluation has ended and the event loop has
// turned. Any async op's answer turns it; a first setTimeout would load Deno's Node-compatible
// timers (~10 ms of CPU).
if (import.meta.main) {
  const go = () => start(Deno.args);
  Deno.realPath(".").then(go, go);
}
