import { DockswapError } from "./errors.ts";

/** A file error as a DockswapError naming the file. */
export function fileError(error: unknown, path: string, verb: string): DockswapError {
  if (error instanceof DockswapError) return error;
  const reason = error instanceof Deno.errors.NotFound
    ? "its folder does not exist"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : error instanceof Deno.errors.IsADirectory
    ? "it is a directory"
    : (error as { code?: string }).code === "ENOSPC"
    ? "the disk is full (no space left on device)"
    : (error as Error).message;
  return new DockswapError("io_error", `Cannot ${verb} "${path}": ${reason}`);
}
