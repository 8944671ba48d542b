/**
 * The JSON-RPC 2.0 stdio server: framing (lines), transport (injected streams) and dispatch
 * (envelopes, codes, group commit), wired over the one list of operations.
 */
import {
  type FileOperation,
  type Operation,
  type OperationContext,
  OPERATIONS,
} from "../operations/mod.ts";
import { Dispatcher } from "./dispatch.ts";
import { MethodTable } from "./methods.ts";
import { type ByteReader, type ResponseWriter, serve, type ServeEnd } from "./transport.ts";

export { MAX_LINE_BYTES } from "./framing.ts";
export { MAX_NESTING } from "./envelope.ts";
export { MethodTable } from "./methods.ts";
export { Dispatcher } from "./dispatch.ts";
export { fileWriter, serve } from "./transport.ts";
export type { ByteReader, ByteWriter, ResponseWriter, ServeEnd } from "./transport.ts";

/** What the server needs; everything that touches the process is passed in. */
export interface RpcServerOptions {
  context: OperationContext;
  input: ReadableStream<Uint8Array> | ByteReader;
  output: ResponseWriter;
  /** Abort to stop after the group in progress has committed and been answered. */
  signal?: AbortSignal;
  /** Notes for people (stderr): failed notifications, broken streams. */
  note?: (text: string) => void;
  /** The methods to serve; by default every registered operation. */
  operations?: ReadonlyMap<string, Operation | FileOperation>;
}

/** Serves JSON-RPC requests from `input` until it ends or the signal aborts. */
export function serveRpc(options: RpcServerOptions): Promise<ServeEnd> {
  const note = options.note ?? (() => {});
  const dispatcher = new Dispatcher({
    context: options.context,
    methods: new MethodTable(options.operations ?? OPERATIONS),
    onNotificationError: (method, error) =>
      note(`notification ${method} failed: ${error.message} [${error.code}]`),
  });
  return serve({
    input: options.input,
    output: options.output,
    handleGroup: (frames) => dispatcher.handleGroup(frames),
    signal: options.signal,
    onError: note,
  });
}
