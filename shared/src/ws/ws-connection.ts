import type { Duplex } from "node:stream";
import { WebSocket, type RawData } from "ws";
import { currentTask, once, Queue, QueueClosed, WaitList, type Loop, type Operation } from "../loop/index.js";

export interface WsConnectionOptions {
  /**
   * Frames (or bytes) received but not yet taken beyond which the socket is paused until the
   * reader catches up: the peer then meets TCP backpressure, as a netcat client does.
   */
  maxQueuedFrames?: number;
  maxQueuedBytes?: number;
  /** Bytes written but not yet on the socket above which `write` parks. */
  highWaterBytes?: number;
  /** "address:port" of the other end, for logs. */
  peer?: string;
  /** The other end's IP address alone (for per-address limits). */
  address?: string;
  /**
   * The TCP socket under the WebSocket (a server has it from the upgrade). Given, a close frame
   * from the peer ends `receive` at once, not when the peer also closes TCP.
   */
  transport?: Duplex;
}

/** The peer closed the connection, or it failed; `code` is the WebSocket close code. */
export interface WsClosed {
  code: number;
  reason: string;
}

/**
 * A WebSocket driven by the loop, for both ends (server sessions, the bot, the TUI): `ws` events
 * feed loop primitives. Received text frames wait in a bounded Queue for the reader task;
 * `write` parks while too many bytes are still on their way to the socket (backpressure, counted
 * with ws's write callbacks), so one slow peer only slows the tasks writing to it. Several tasks
 * may write on one connection.
 */
export class WsConnection {
  private readonly frames: Queue<string>;
  private queuedBytes = 0;
  private readonly maxQueuedFrames: number;
  private readonly maxQueuedBytes: number;
  private readonly highWaterBytes: number;
  private inFlightBytes = 0;
  /** Tasks parked in `write` until the bytes in flight fall under the high-water mark. */
  private readonly senders = new WaitList("websocket drain");
  private readonly release: () => void;
  closedWith: WsClosed | null = null;
  /** What failed, if the connection failed (e.g. ws's WS_ERR_UNSUPPORTED_MESSAGE_LENGTH). */
  error: (Error & { code?: string }) | null = null;
  readonly peer: string;
  readonly address: string;

  constructor(
    readonly socket: WebSocket,
    readonly loop: Loop,
    options: WsConnectionOptions = {},
  ) {
    this.frames = new Queue<string>(Infinity);
    this.highWaterBytes = options.highWaterBytes ?? 64 * 1024;
    this.peer = options.peer ?? "unknown";
    this.address = options.address ?? "";
    this.maxQueuedFrames = options.maxQueuedFrames ?? 1000;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.release = loop.host.addWaker(); // an open socket may wake a task: not a deadlock
    socket.on("message", (data: RawData, isBinary: boolean) => {
      if (this.frames.closed) return;
      if (isBinary) {
        this.close(1003, "text frames only");
        return;
      }
      const text = rawToString(data);
      this.queuedBytes += text.length;
      this.frames.tryPut(text);
      // ws may still emit the rest of the chunk it is parsing: the overshoot is one chunk at most.
      if ((this.frames.size >= this.maxQueuedFrames || this.queuedBytes >= this.maxQueuedBytes) && !socket.isPaused) socket.pause();
    });
    socket.on("close", (code: number, reason: Buffer) => this.ended({ code, reason: reason.toString() }));
    socket.on("error", (error: Error) => {
      this.error = error; // 'close' follows; handling it here keeps the process alive
    });
    if (options.transport !== undefined) this.endOnCloseFrame(options.transport);
  }

  /** Opens a client connection to `url`; parks until it is open, throws if it cannot be. */
  static *connect(url: string, options: WsConnectionOptions & { maxPayload?: number } = {}): Operation<WsConnection> {
    const loop = currentTask().loop;
    const socket = new WebSocket(url, { maxPayload: options.maxPayload ?? 1024 * 1024 });
    // Terminating a socket that is still connecting (a cancelled connect) emits 'error' later,
    // after once() has removed its listener: without one, that error would crash the process.
    socket.on("error", () => {});
    // Listening from the start: frames the server sends right after the handshake arrive before
    // this task runs again, and ws drops a 'message' nobody listens to. (A failed or cancelled
    // connect still ends in 'close', which releases the connection's hold on the loop.)
    const connection = new WsConnection(socket, loop, options);
    try {
      yield* once(socket, "open", { waitingOn: `websocket open ${url}`, onCancel: () => socket.terminate() });
    } catch (error) {
      socket.terminate();
      throw error;
    }
    return connection;
  }

  /** The next text frame, or null once the connection is closed (see `closedWith`) or closing. */
  *receive(): Operation<string | null> {
    let text: string;
    try {
      text = yield* this.frames.get();
    } catch (error) {
      if (error instanceof QueueClosed) return null;
      throw error;
    }
    this.queuedBytes -= text.length;
    if (this.socket.isPaused && this.frames.size < this.maxQueuedFrames / 2 && this.queuedBytes < this.maxQueuedBytes / 2) this.socket.resume();
    return text;
  }

  /** Frames received and not yet taken by `receive` (a backlog: how far the reader is behind). */
  get queued(): number {
    return this.frames.size;
  }

  /**
   * Sends a text frame (a Buffer is sent as the UTF-8 text it holds); parks while more than the
   * high-water mark is still being written.
   */
  write(text: string | Buffer): Operation<void> {
    return this.writeAll([text]);
  }

  /**
   * Sends text frames in order, then parks once while more than the high-water mark is being
   * written. Once the peer has closed, frames are dropped: it can read no more, and what it sent
   * before closing may still be read and answered.
   */
  *writeAll(texts: readonly (string | Buffer)[]): Operation<void> {
    if (this.closedWith !== null) return;
    for (const text of texts) this.sendNow(text);
    while (this.inFlightBytes > this.highWaterBytes && this.closedWith === null) {
      yield this.senders.park(currentTask());
    }
  }

  /**
   * Sends a text frame now if nothing sent before is still on its way and the connection is
   * open; false (nothing sent) otherwise: then use `write`, which parks. Lets a caller skip a
   * task switch when the connection is idle.
   */
  tryWrite(text: string | Buffer): boolean {
    if (this.inFlightBytes > 0 || this.closedWith !== null || this.socket.readyState !== WebSocket.OPEN) return false;
    this.sendNow(text);
    return true;
  }

  /** Bytes handed to `write` and not yet written (ws's `bufferedAmount` plus our own count). */
  get buffered(): number {
    return Math.max(this.inFlightBytes, this.socket.bufferedAmount);
  }

  /** Closes with 1000 after everything written so far (a member's last line, then goodbye). */
  *end(): Operation<void> {
    this.close(1000, "goodbye");
  }

  /** Starts the closing handshake (or drops the socket if it never opened). Idempotent. */
  close(code = 1000, reason = ""): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    else if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
  }

  /** Drops the connection at once, without a handshake (for peers that do not answer). */
  terminate(): void {
    this.socket.terminate();
  }

  /**
   * ws tells nobody that the peer's close frame has come: it answers it, and emits 'close' only
   * once TCP is closed too, which a peer that keeps its socket open puts off until ws's close
   * timeout (30 s), its name still taken all along. But ws parses each chunk as it arrives, and
   * a close frame turns `readyState` to CLOSING within that call: a 'data' listener added after
   * ws's own sees it right there. (CLOSING may also be a close we started: then too the session
   * is over.) Frames taken in before are still received.
   */
  private endOnCloseFrame(transport: Duplex): void {
    const afterChunk = (): void => {
      if (this.socket.readyState !== WebSocket.CLOSING) return;
      transport.off("data", afterChunk);
      this.frames.close("the WebSocket is closing");
    };
    transport.on("data", afterChunk);
  }

  private ended(closed: WsClosed): void {
    if (this.closedWith !== null) return;
    this.closedWith = closed;
    this.frames.close("the WebSocket is closed");
    this.wakeSender();
    this.release();
  }

  private sendNow(text: string | Buffer): void {
    const bytes = typeof text === "string" ? Buffer.byteLength(text) : text.length;
    this.inFlightBytes += bytes;
    // The callback runs once the frame is written (or the socket failed; 'close' follows).
    this.socket.send(text, { binary: false }, () => {
      this.inFlightBytes -= bytes;
      this.wakeSender();
    });
  }

  private wakeSender(): void {
    if (this.inFlightBytes <= this.highWaterBytes || this.closedWith !== null) this.senders.wakeAll(undefined);
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
