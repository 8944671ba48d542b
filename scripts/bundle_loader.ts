/**
 * The start of the one-file bundle (scripts/bundle.ts writes it first, then the program as an
 * archive in a comment at the end of the file). Deno parses every byte of a module on every
 * start, so the file holds only this: `--version` is answered here, and a command imports the
 * program from a folder of files unpacked once from the archive, where each start parses only
 * the modules its command uses and Deno keeps their compiled code, as for any installed program.
 *
 * The folder is `<cache folder>/<build id>`; the cache folder is `$DOCKSWAP_CACHE_DIR`, else
 * `$HOME/.cache/dockswap-db`, else (or when that one cannot be used) `$TMPDIR/dockswap-db-<uid>`.
 * A cache folder is used only when it is this user's and no one else may write it, and every
 * folder above it is this user's or root's and not writable by others (or sticky, as /tmp): then
 * no one else can change what is imported. The program is unpacked into a private folder there,
 * its files flushed to disk with a last file marking it complete, and renamed into place.
 */
import { asksOnlyForVersion } from "../src/cli/asks_for_version.ts";
import { denoIo } from "../src/cli/io.ts";
import { sqliteVersion } from "../src/db/database.ts";

/**
 * Replaced by scripts/bundle.ts: what `versionLine()` of src/cli/version.ts says, with @SQLITE@
 * for the SQLite the running Deno links.
 */
const VERSION_LINE = "@VERSION_LINE@";
/** Replaced by scripts/bundle.ts: the archive's id (part of its SHA-256), naming its folder. */
const ARCHIVE_ID = "@ARCHIVE_ID@";
/** Replaced by scripts/bundle.ts: the name of the archive's folder (of this loader and archive). */
const FOLDER_NAME = "@FOLDER_NAME@";
/** Opens the comment holding the archive (base64 of gzip, the files as `unpackArchive` reads). */
const ARCHIVE_MARK = "/*dockswap-db archive\n";
/** What names a folder being unpacked into, in the cache folder. */
const UNPACKING = ".unpack-";
/** Written last into an unpacked folder, listing its files and sizes: all are whole on disk. */
const COMPLETE = ".complete";
/** The program's module, exporting `main(args)`. */
const ENTRY = "main.js";

/** A refusal to start that the loader reports as a file error (exit 8, io_error). */
class StartError extends Error {}

/** The program's files (name, bytes), from the archive at the end of this file. */
async function unpackArchive(): Promise<[string, Uint8Array][]> {
  const text = Deno.readTextFileSync(new URL(import.meta.url));
  const start = text.lastIndexOf(ARCHIVE_MARK) + ARCHIVE_MARK.length;
  const base64 = text.slice(start, text.indexOf("\n", start));
  // Uint8Array.fromBase64 is recent in V8: a Deno without it decodes through atob.
  const gzip = Uint8Array.fromBase64?.(base64) ??
    Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", gzip));
  const id = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  if (!id.startsWith(ARCHIVE_ID)) {
    throw new StartError("the file changed while it started (a new copy installed?); run it again");
  }
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

/**
 * Writes the program's files owner-only into `folder`, made for them and empty, each flushed to
 * disk, then the mark that they are complete: their names and sizes, which every start checks.
 */
function writeFiles(folder: string, files: [string, Uint8Array][]): void {
  const manifest = JSON.stringify(files.map(([name, bytes]) => [name, bytes.length]));
  const mark: [string, Uint8Array] = [COMPLETE, new TextEncoder().encode(manifest)];
  for (const [name, bytes] of [...files, mark]) {
    using file = Deno.openSync(`${folder}/${name}`, { write: true, createNew: true, mode: 0o600 });
    for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
    file.syncSync();
  }
}

/** Flushes a folder's entries (a file made or renamed in it) to disk. */
function syncFolder(path: string): void {
  using folder = Deno.openSync(path, { read: true });
  folder.syncSync();
}

/** The cache folder asked for: `$DOCKSWAP_CACHE_DIR`, else `$HOME/.cache/dockswap-db`. */
function chosenRoot(): string | undefined {
  const given = Deno.env.get("DOCKSWAP_CACHE_DIR");
  if (given) return given;
  const home = Deno.env.get("HOME");
  return home ? `${home}/.cache/dockswap-db` : undefined;
}

/**
 * The cache folder of `uid` in the system's temporary folder (`$TMPDIR`, which Deno reads for
 * its temporary files without the program being allowed to).
 */
function temporaryRoot(uid: number): string {
  const probe = Deno.makeTempFileSync({ prefix: "dockswap-db-" });
  Deno.removeSync(probe);
  return `${probe.slice(0, probe.lastIndexOf("/"))}/dockswap-db-${uid}`;
}

/** lstat, or undefined when there is nothing at `path` that this process may look at. */
function lstat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch {
    return undefined;
  }
}

/** True when `info` is a real folder of `uid` that no one else may write. */
function isPrivateFolder(info: Deno.FileInfo | undefined, uid: number): boolean {
  return !!info?.isDirectory && info.uid === uid && (info.mode! & 0o022) === 0;
}

/**
 * True when no one but `uid` (and root) can rename or replace what lies inside `path`: it is a
 * real folder of `uid` or root that others cannot write, or that is sticky.
 */
function isSafeAncestor(info: Deno.FileInfo | undefined, uid: number): boolean {
  if (!info?.isDirectory || (info.uid !== uid && info.uid !== 0)) return false;
  return (info.mode! & 0o022) === 0 || (info.mode! & 0o1000) !== 0;
}

/** The folders above `path` (no links in it), nearest first. */
function ancestors(path: string): string[] {
  const parts = path.split("/").filter((part) => part !== "");
  return parts.map((_, i) => "/" + parts.slice(0, i).join("/")).reverse();
}

/**
 * `path` with the links of its existing part resolved (as macOS's /var to /private/var): what is
 * checked and imported is then what the check saw, whatever a link is changed to afterwards.
 */
function withoutLinks(path: string): string {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new Unusable("it holds '..'");
  let existing = parts.length;
  while (existing > 0 && lstat("/" + parts.slice(0, existing).join("/")) === undefined) existing--;
  const real = Deno.realPathSync("/" + parts.slice(0, existing).join("/"));
  return [real === "/" ? "" : real, ...parts.slice(existing)].join("/");
}

/** Why a cache folder cannot be used: the next one is tried, and the reason given if none can. */
class Unusable extends Error {}

/** `root` made ready as a cache folder of `uid` (created owner-only when missing), links resolved. */
function trustedRoot(given: string, uid: number): string {
  const root = withoutLinks(given);
  const unsafe = (path: string) => {
    const info = lstat(path);
    return info !== undefined && !isSafeAncestor(info, uid);
  };
  const above = ancestors(root);
  const open = above.find(unsafe);
  if (open) throw new Unusable(`${open} is not yours or root's, or others can write it`);
  if (lstat(root) === undefined) Deno.mkdirSync(root, { recursive: true, mode: 0o700 });
  if (above.some((path) => lstat(path) === undefined || unsafe(path))) {
    throw new Unusable("a folder above it changed while it was made");
  }
  if (!isPrivateFolder(lstat(root), uid)) {
    throw new Unusable("it is not a folder of yours that only you can write");
  }
  return root;
}

/**
 * The archive's folder in `root`, checked whole (every file of the mark there, of its size), or
 * unpacked now if there is none; a folder there that is not whole fails the start, naming it.
 */
async function programIn(root: string, uid: number): Promise<string> {
  const folder = `${root}/${FOLDER_NAME}`;
  const found = lstat(folder);
  if (found) {
    if (!isPrivateFolder(found, uid)) {
      throw new Unusable(`${folder} is not a folder of yours that only you can write`);
    }
    checkWhole(folder, uid);
    return folder;
  }
  removeAbandoned(root);
  const files = await unpackArchive();
  let partial: string | undefined = Deno.makeTempDirSync({ dir: root, prefix: UNPACKING });
  try {
    writeFiles(partial, files);
    Deno.renameSync(partial, folder);
    partial = undefined;
    syncFolder(root);
  } catch (error) {
    // Another process renamed its complete copy into place first: that one is used.
    if (!lstat(`${folder}/${COMPLETE}`)) throw error;
  } finally {
    if (partial) Deno.removeSync(partial, { recursive: true });
  }
  checkWhole(folder, uid);
  return folder;
}

/** Throws, naming `folder` to delete, unless it holds every file its mark lists, whole. */
function checkWhole(folder: string, uid: number): void {
  const damaged = (what: string) =>
    new StartError(
      `the program unpacked in ${folder} is damaged (${what}); delete that folder and run the ` +
        `command again`,
    );
  let manifest: [string, number][];
  try {
    manifest = JSON.parse(Deno.readTextFileSync(`${folder}/${COMPLETE}`));
  } catch {
    throw damaged(`no readable ${COMPLETE}`);
  }
  for (const [name, size] of manifest) {
    const info = lstat(`${folder}/${name}`);
    if (!info?.isFile || info.uid !== uid || info.size !== size) throw damaged(`${name}`);
  }
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

/** The folder of the unpacked program: the first cache folder that can hold it. */
async function programFolder(): Promise<string> {
  const uid = Deno.uid();
  if (uid === null) throw new StartError("this system has no user ids");
  const refusals: string[] = [];
  for (const candidate of [chosenRoot, () => temporaryRoot(uid)]) {
    let root: string | undefined;
    try {
      root = candidate();
      if (root === undefined) continue;
      if (!root.startsWith("/")) throw new Unusable("it is not an absolute path");
      return await programIn(trustedRoot(root, uid), uid);
    } catch (error) {
      if (error instanceof StartError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      refusals.push(root === undefined ? `no temporary folder (${reason})` : `${root}: ${reason}`);
    }
  }
  throw new StartError(
    `no folder can hold the program (${refusals.join("; ")}); set DOCKSWAP_CACHE_DIR to a ` +
      `folder of yours that others cannot write, below folders of yours or root's`,
  );
}

async function start(args: string[]): Promise<void> {
  if (asksOnlyForVersion(args)) {
    denoIo().out(VERSION_LINE.replace("@SQLITE@", sqliteVersion()) + "\n");
    Deno.exit(0);
  }
  // As in src/main.ts: a write past `ulimit -f` fails with EFBIG instead of killing the process.
  Deno.addSignalListener("SIGXFSZ", () => {});
  let program: { main(args: string[]): Promise<never> };
  let folder: string | undefined;
  try {
    folder = await programFolder();
    const url = `file://${`${folder}/${ENTRY}`.split("/").map(encodeURIComponent).join("/")}`;
    program = await import(url);
  } catch (error) {
    const message = error instanceof StartError || !folder
      ? String(error instanceof Error ? error.message : error)
      : `the program unpacked in ${folder} cannot be loaded (${error}); delete that folder ` +
        `and run the command again`;
    denoIo().err(`dockswap-db: cannot start: ${message} [io_error]\n`);
    Deno.exit(8);
  }
  await program.main(args);
}

// Deno keeps V8's compiled code of this file once its evaluation has ended and the event loop has
// turned. Any async op's answer turns it; a first setTimeout would load Deno's Node-compatible
// timers (~10 ms of CPU).
if (import.meta.main) {
  const go = () => start(Deno.args);
  Deno.realPath(".").then(go, go);
}
