import type { Socket } from "node:net";
import { currentTask } from "../current.js";
import type { Loop } from "../loop.js";
import { park, type Suspend, type WaitingOn } from "../park.js";
import type { Operation, Task } from "../task.js";

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

  // @internal: the one task waiting to read and the one waiting to write (the lecture's
  // `_read_waiting[fd]` / `_write_waiting[fd]`); public only for the listeners and aborts below.
  reader: Task<unknown> | null = null;
  writer: Task<unknown> | null = null;

  constructor(
    readonly socket: Socket,
    readonly loop: Loop,
  ) {
    // The same six listener functions serve every socket; each finds its watch through the socket.
    if (kWatch in socket) throw new Error("this socket already has a SocketWatch");
    (socket as WatchedSocket)[kWatch] = this;
    // While the socket is open it may wake a task: the loop must not call that a deadlock.
    // Removed once, on 'close' (no closure per socket: see onClose).
    loop.host.wakerOpened();
    socket.on("readable", onReadable);
    socket.on("end", onEnd);
    socket.on("drain", onWritable);
    socket.on("finish", onWritable);
    socket.on("error", onError);
    socket.on("close", onClose);
  }

  /** True when a read would not block: bytes are buffered, or EOF or an error was seen. */
  get readReady(): boolean {
    return this.socket.readableLength > 0 || this.eof || this.error !== null;
  }

  /** Parks until the socket has bytes to read, reached EOF, or failed (`read_wait`). */
  *readable(): Operation<void> {
    if (this.readReady) return;
    yield this.waitReadable(currentTask());
  }

  /**
   * Registers `task` as the one waiting to read and returns the park signal for it to yield
   * (`yield watch.waitReadable(task)`): `readable()` without a generator of its own.
   */
  waitReadable(task: Task<unknown>): Suspend {
    if (this.reader !== null) throw new Error(`task ${this.reader} is already reading this socket`);
    this.reader = task;
    return park(task, READABLE, abortRead, this);
  }

  /**
   * Parks until the socket's write buffer has drained (`write_wait`), or until everything was
   * flushed after `end()` (`untilFinished`), or until the socket failed or closed.
   */
  *writable(untilFinished = false): Operation<void> {
    if (this.writeSettled(untilFinished)) return;
    const task = currentTask();
    if (this.writer !== null) throw new Error(`task ${this.writer} is already writing this socket`);
    while (!this.writeSettled(untilFinished)) {
      this.writer = task;
      yield park(task, untilFinished ? FINISH : DRAIN, abortWrite, this);
    }
  }

  private writeSettled(untilFinished: boolean): boolean {
    if (this.error !== null || this.closed) return true;
    return untilFinished ? this.socket.writableFinished : !this.socket.writableNeedDrain;
  }

  /** @internal Wakes the task waiting to read, if any (the socket's listeners call it). */
  wakeReader(): void {
    const task = this.reader;
    if (task === null) return;
    this.reader = null;
    task.waitData = undefined;
    this.loop.wake(task, undefined);
  }

  /** @internal Wakes the task waiting to write, if any. */
  wakeWriter(): void {
    const task = this.writer;
    if (task === null) return;
    this.writer = null;
    task.waitData = undefined;
    this.loop.wake(task, undefined);
  }
}

// ---------------------------------------------------------------------------------------
// The socket's listeners, shared by every socket (see "Why parks cost no frame" in
// shared/README.md). Node calls a listener with `this` = the socket.
// ---------------------------------------------------------------------------------------

const kWatch = Symbol("SocketWatch");
type WatchedSocket = Socket & { [kWatch]: SocketWatch };

function onReadable(this: WatchedSocket): void {
  this[kWatch].wakeReader();
}

function onEnd(this: WatchedSocket): void {
  const watch = this[kWatch];
  watch.eof = true;
  watch.wakeReader();
}

/** 'drain' (the buffer is below the high-water mark again) and 'finish' (flushed after end()). */
function onWritable(this: WatchedSocket): void {
  this[kWatch].wakeWriter();
}

function onError(this: WatchedSocket, error: Error): void {
  const watch = this[kWatch];
  watch.error = error; // handled here, so an error event never crashes the process
  watch.wakeReader();
  watch.wakeWriter();
}

function onClose(this: WatchedSocket): void {
  const watch = this[kWatch];
  if (watch.closed) return; // 'close' comes once; the guard keeps the hold released exactly once
  watch.closed = true;
  watch.eof = true;
  watch.wakeReader();
  watch.wakeWriter();
  watch.loop.host.wakerClosed();
}

// ---------------------------------------------------------------------------------------
// What a parked reader or writer needs, with the watch in `task.waitData`.
// ---------------------------------------------------------------------------------------

function abortRead(task: Task<unknown>): void {
  (task.waitData as SocketWatch).reader = null;
  task.waitData = undefined;
}

function abortWrite(task: Task<unknown>): void {
  (task.waitData as SocketWatch).writer = null;
  task.waitData = undefined;
}

/** A `loop.dump()` label naming the peer, written only when a dump asks. */
function socketLabel(what: string): WaitingOn {
  return { describe: (task) => `${what} ${describePeer((task.waitData as SocketWatch).socket)}` };
}

const READABLE = socketLabel("socket readable");
const DRAIN = socketLabel("socket drain");
const FINISH = socketLabel("socket finish");

export function describePeer(socket: Socket): string {
  return socket.remoteAddress === undefined ? "(unconnected)" : `${socket.remoteAddress}:${socket.remotePort}`;
}
