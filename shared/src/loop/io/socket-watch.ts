import type { Socket } from "node:net";
import { currentTask } from "../current.js";
import type { Loop } from "../loop.js";
import { parkOn, type Operation, type Task } from "../task.js";

/**
 * The lecture's `read_wait` / `write_wait` for one socket. In the lecture the loop keeps
 * `_read_waiting[fd] = task` and `select()` says when the fd is ready; here libuv does the
 * `select()` and tells us through the socket's events, and this class keeps the one task that
 * waits to read and the one that waits to write, and wakes them. Nothing polls.
 *
 * The socket stays in paused mode (no 'data' listener): bytes wait in the socket's buffer, and
 * in the kernel beyond it, until a task takes them. That is what gives reads backpressure.
 */
export class SocketWatch {
  /** Set once the peer has finished sending (EOF). */
  eof = false;
  /** Set once the socket has been closed (by either side). */
  closed = false;
  /** The socket's error, if it had one (reset, broken pipe, ...). */
  error: Error | null = null;

  private reader: Task<unknown> | null = null;
  private writer: Task<unknown> | null = null;
  private readonly release: () => void;

  constructor(
    readonly socket: Socket,
    readonly loop: Loop,
  ) {
    // While the socket is open it may wake a task: the loop must not call that a deadlock.
    this.release = loop.hold();
    socket.on("readable", () => this.wakeReader());
    socket.on("end", () => {
      this.eof = true;
      this.wakeReader();
    });
    socket.on("drain", () => this.wakeWriter());
    socket.on("finish", () => this.wakeWriter());
    socket.on("error", (error) => {
      this.error = error; // handled here, so an error event never crashes the process
      this.wakeReader();
      this.wakeWriter();
    });
    socket.on("close", () => {
      this.closed = true;
      this.eof = true;
      this.wakeReader();
      this.wakeWriter();
      this.release();
    });
  }

  /** Parks until the socket has bytes to read, reached EOF, or failed (`read_wait`). */
  *readable(): Operation<void> {
    if (this.socket.readableLength > 0 || this.eof || this.error !== null) return;
    const task = currentTask();
    if (this.reader !== null) throw new Error(`task ${this.reader} is already reading this socket`);
    this.reader = task;
    yield* parkOn(task, `socket readable ${describePeer(this.socket)}`, () => {
      this.reader = null;
    });
  }

  /**
   * Parks until the socket's write buffer has drained (`write_wait`), or until everything was
   * flushed after `end()` (`untilFinished`), or until the socket failed or closed.
   */
  *writable(untilFinished = false): Operation<void> {
    const done = (): boolean =>
      this.error !== null || this.closed || (untilFinished ? this.socket.writableFinished : !this.socket.writableNeedDrain);
    if (done()) return;
    const task = currentTask();
    if (this.writer !== null) throw new Error(`task ${this.writer} is already writing this socket`);
    while (!done()) {
      this.writer = task;
      yield* parkOn(task, `socket ${untilFinished ? "finish" : "drain"} ${describePeer(this.socket)}`, () => {
        this.writer = null;
      });
    }
  }

  private wakeReader(): void {
    const task = this.reader;
    if (task === null) return;
    this.reader = null;
    this.loop.wake(task, undefined);
  }

  private wakeWriter(): void {
    const task = this.writer;
    if (task === null) return;
    this.writer = null;
    this.loop.wake(task, undefined);
  }
}

export function describePeer(socket: Socket): string {
  return socket.remoteAddress === undefined ? "(unconnected)" : `${socket.remoteAddress}:${socket.remotePort}`;
}
