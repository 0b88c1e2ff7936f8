import { Event, type Operation, type Task } from "../../../shared/src/loop/index.js";
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
 *
 * The writer task exists only while there is something to send that could not go out at once:
 * a line offered while the socket is idle is written on the spot, and a line that must wait
 * starts a writer, which sends everything queued and ends when the queue is empty. An idle member
 * therefore holds no task, which is most of what an idle connection used to cost.
 */
export class Outbox {
  /** Handed over whole by `takeAll`: an idle member holds an empty array, not a grown ring. */
  private lines: Frame[] = [];
  private bytes = 0;
  /** The running writer, if any. */
  private writer: Task<void> | null = null;
  private startWriter: (() => Task<void> | null) | null = null;
  /** Set once closed and the last writer has ended (made when someone waits for it). */
  private finished: Event | null = null;
  closed = false;

  constructor(
    private readonly limits: OutboxLimits,
    private readonly transport: OutboxTransport = NOTHING_BUFFERED,
  ) {}

  get size(): number {
    return this.lines.length;
  }

  /** How to start a writer task when lines must wait (null if the session is already gone). */
  writersFrom(start: () => Task<void> | null): void {
    this.startWriter = start;
    if (this.lines.length > 0 || this.closed) this.ensureWriter();
  }

  /**
   * Queues `line`, or sends it at once when nothing waits before it and the transport can take
   * it without waiting. False when the member is too far behind (nothing is queued).
   */
  offer(line: Frame): boolean {
    if (this.closed) return true; // leaving: nothing more to send, nothing to complain about
    if (this.writer === null && this.lines.length === 0 && this.transport.tryWrite?.(line) === true) return true;
    if (this.lines.length >= this.limits.maxLines) return false;
    if (this.bytes + line.length + this.transport.buffered > this.limits.maxBytes) return false;
    this.lines.push(line);
    this.bytes += line.length;
    this.ensureWriter();
    return true;
  }

  /** Queues `line` past the bound: a last word before closing (e.g. "you are too slow"). */
  force(line: Frame): void {
    if (this.closed) return;
    this.lines.push(line);
    this.bytes += line.length;
    this.ensureWriter();
  }

  /** No more lines: a writer sends what is queued and then finishes the transport (e.g. half-close). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ensureWriter();
  }

  /** Everything queued, oldest first (for one socket write or a burst of frames); null when empty. */
  takeAll(): Frame[] | null {
    if (this.lines.length === 0) return null;
    const batch = this.lines;
    this.lines = [];
    this.bytes = 0;
    return batch;
  }

  /**
   * The writer calls this as it ends: it found the queue empty, it was cancelled (its session
   * ended), or the transport failed (`failed`: nothing more can be sent, so the rest is dropped).
   */
  writerEnded(failed: boolean): void {
    this.writer = null;
    if (failed) {
      this.closed = true;
      this.lines = [];
      this.bytes = 0;
    }
    if (this.lines.length > 0) this.ensureWriter(); // cancelled with lines left: a new one, if the session still runs
    else if (this.closed) this.finished?.set();
  }

  /** Waits until the outbox is closed and its last writer has ended (everything sent, or given up). */
  *done(): Operation<void> {
    if (this.closed && this.writer === null) return;
    yield* (this.finished ??= new Event()).wait();
  }

  private ensureWriter(): void {
    if (this.writer !== null || this.startWriter === null) return;
    this.writer = this.startWriter();
    if (this.writer === null) this.finished?.set(); // the session is gone: nobody will write
  }
}
