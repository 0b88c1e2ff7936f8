import { parkOn, currentTask, type Operation, type Task } from "../../../shared/src/loop/index.js";
import type { Frame } from "./member.js";

export interface OutboxLimits {
  /** Most encoded lines waiting for the writer (default 10,000). */
  maxLines: number;
  /** Most bytes waiting, counting what the socket already holds (default 1 MiB). */
  maxBytes: number;
}

/** Where an outbox's lines go. */
export interface OutboxTransport {
  /** Bytes accepted but not yet sent; they count against the outbox's bound. */
  readonly buffered: number;
  /** Sends `frame` at once if the transport can take it without waiting; false if it cannot. */
  tryWrite?(frame: Frame): boolean;
}

const NOTHING_BUFFERED: OutboxTransport = { buffered: 0 };

/**
 * One member's bounded queue of encoded lines, between the broadcaster (which must never wait
 * for a slow client) and that member's writer task (which waits for the socket to drain).
 * `offer` never blocks: past the bound it refuses, and the room disconnects the member, so a
 * slow reader costs everyone else nothing.
 */
export class Outbox {
  /** Handed over whole by `takeAll`: an idle member holds an empty array, not a grown ring. */
  private lines: Frame[] = [];
  private bytes = 0;
  private writer: Task<unknown> | null = null;
  closed = false;

  constructor(
    private readonly limits: OutboxLimits,
    private readonly transport: OutboxTransport = NOTHING_BUFFERED,
  ) {}

  get size(): number {
    return this.lines.length;
  }

  /**
   * Queues `line`, or sends it at once when nothing waits before it and the transport can take
   * it (the writer is parked with nothing to do: waking it just to write would cost a task
   * switch per member per line). False when the member is too far behind (nothing is queued).
   */
  offer(line: Frame): boolean {
    if (this.closed) return true; // leaving: nothing more to send, nothing to complain about
    if (this.writer !== null && this.lines.length === 0 && this.transport.tryWrite?.(line) === true) return true;
    if (this.lines.length >= this.limits.maxLines) return false;
    if (this.bytes + line.length + this.transport.buffered > this.limits.maxBytes) return false;
    this.lines.push(line);
    this.bytes += line.length;
    this.wakeWriter();
    return true;
  }

  /** Queues `line` past the bound: a last word before closing (e.g. "you are too slow"). */
  force(line: Frame): void {
    if (this.closed) return;
    this.lines.push(line);
    this.bytes += line.length;
    this.wakeWriter();
  }

  /** No more lines: the writer drains what is queued, then `takeAll` returns null. */
  close(): void {
    this.closed = true;
    this.wakeWriter();
  }

  /** Everything queued, oldest first (one socket write or a burst of frames); parks while empty; null once closed and drained. */
  *takeAll(): Operation<Frame[] | null> {
    while (this.lines.length === 0) {
      if (this.closed) return null;
      const task = currentTask();
      this.writer = task;
      yield* parkOn(task, "outbox empty", () => {
        this.writer = null;
      });
    }
    const batch = this.lines;
    this.lines = [];
    this.bytes = 0;
    return batch;
  }

  private wakeWriter(): void {
    const task = this.writer;
    if (task === null) return;
    this.writer = null;
    task.loop.wake(task, undefined);
  }
}
