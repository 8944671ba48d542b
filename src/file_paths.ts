/**
 * What a path names: its folder and base name, the absolute and link-resolved forms, whether two
 * paths are one file, whether anything is there.
 */

/** The folder of a path ("." for a bare name). */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}

/** The last component of a path. */
export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `path` made absolute against the working folder. */
export function absolutePath(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path.replace(/^\.\//, "")}`;
}

/**
 * `path` with every symbolic link in it resolved. A name that does not exist (yet) is resolved
 * through its folder, so that it can still be compared with another spelling of it.
 */
export function resolvedPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    // Missing, or a dangling link (a rename would replace the link itself, not its target).
  }
  try {
    return `${Deno.realPathSync(folderOf(path))}/${baseOf(path)}`;
  } catch {
    return absolutePath(path);
  }
}

/**
 * True when two paths name one file: the same device and inode when both exist, else the same
 * path once symbolic links are resolved. Never by spelling alone.
 */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = Deno.statSync(a);
    const y = Deno.statSync(b);
    if (x.ino !== null && y.ino !== null) return x.dev === y.dev && x.ino === y.ino;
  } catch {
    // One of them does not exist yet: compare where they lead.
  }
  return resolvedPath(a) === resolvedPath(b);
}

/** True when something (a file, a folder, a link) is at `path`. */
export function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
