import type { Operation } from "../task.js";
import type { SocketWatch } from "./socket-watch.js";

/** Writing to a socket that was closed or failed. */
export class StreamClosed extends Error {
  override name = "StreamClosed";
}

/**
 * Writes to a socket with backpressure: `write` hands the bytes to the socket and, when its
 * buffer is over the high-water mark, parks until it drains (`write_wait`). A slow reader on the
 * other side therefore slows only the task writing to it, and memory stays bounded.
 */
export class StreamWriter {
  constructor(private readonly watch: SocketWatch) {}

  *write(data: string | Uint8Array): Operation<void> {
    const { socket } = this.watch;
    this.check();
    if (!socket.write(data)) yield* this.watch.writable();
    this.check();
  }

  /**
   * Writes `chunks` in order as one write (joined into one Buffer), then parks if the socket's
   * buffer is over the high-water mark. Waiting after each chunk instead would make a writer with
   * many queued chunks wait for a full drain per chunk.
   */
  writeAll(chunks: readonly (string | Uint8Array)[]): Operation<void> {
    return this.write(chunks.length === 1 ? (chunks[0] as string | Uint8Array) : Buffer.concat(chunks.map(asBytes)));
  }

  /**
   * Writes `data` now if the socket can take it without anyone waiting: nothing of ours is still
   * queued in it, and it is open. Returns false (and writes nothing) otherwise; then use
   * `write`, which parks. Lets a caller skip a task switch when the socket is idle.
   */
  tryWrite(data: string | Uint8Array): boolean {
    const watch = this.watch;
    const socket = watch.socket;
    if (watch.error !== null || watch.closed || socket.destroyed || socket.writableEnded || socket.writableLength > 0) return false;
    socket.write(data);
    return true;
  }

  /** Bytes accepted by `write` but not yet handed to the kernel. */
  get buffered(): number {
    return this.watch.socket.writableLength;
  }

  /** Half-close: sends EOF after everything written so far, and waits until it is flushed. Reading goes on. */
  *end(): Operation<void> {
    const { socket } = this.watch;
    if (!socket.writableEnded) socket.end();
    yield* this.watch.writable(true);
    if (this.watch.error !== null) throw this.watch.error;
  }

  private check(): void {
    const watch = this.watch;
    if (watch.error !== null) throw watch.error;
    if (watch.closed || watch.socket.destroyed) throw new StreamClosed("the connection is closed");
    if (watch.socket.writableEnded) throw new StreamClosed("the connection was half-closed by end()");
  }
}

function asBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
}
