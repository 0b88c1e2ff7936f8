import { Cancelled, Event, spawnChild, type Operation, type Task } from "../../../shared/src/loop/index.js";
import type { Frame } from "./member.js";

export interface OutboxLimits {
  /** Most encoded lines waiting for the writer (default 10,000). */
  maxLines: number;
  /** Most bytes waiting, counting what the wire already holds (default 1 MiB). */
  maxBytes: number;
}

/**
 * What a transport can do with a member's frames: the connection's own writer (a TCP
 * `StreamWriter`, a `WsConnection`) fits as it is.
 */
export interface Wire {
  /** Bytes accepted but not yet sent; they count against the outbox's bound. */
  readonly buffered: number;
  /** Sends `frame` now if nothing of ours is still waiting in the wire; false (nothing sent) otherwise. */
  tryWrite(frame: Frame): boolean;
  /** Sends `frames` in order, then parks while the wire is full (backpressure). */
  writeAll(frames: readonly Frame[]): Operation<void>;
  /** After the last frame: a TCP half-close, a WebSocket close. */
  end(): Operation<void>;
}

/**
 * One member's bounded queue of encoded lines, between the broadcaster (which must never wait
 * for a slow client) and the member's wire (which waits for the socket to drain). `offer` never
 * blocks: past the bound it refuses, and the room disconnects the member, so a slow reader costs
 * everyone else nothing.
 *
 * A line offered while the wire is idle is written on the spot. A line that must wait starts the
 * outbox's writer task (a child of the member's session), which sends everything queued and ends
 * when the queue is empty: an idle member holds no writer task.
 */
export class Outbox {
  /** Handed to the writer whole: an idle member holds an empty array, not a grown ring. */
  private lines: Frame[] = [];
  private bytes = 0;
  /** The running writer, if any. */
  private writer: Task<void> | null = null;
  /** Set once closed and the last writer has ended (made when someone waits for it). */
  private finished: Event | null = null;
  closed = false;
  /** What made a write fail (reset, broken pipe), if one did: the session reports it as it leaves. */
  writeError: unknown = null;

  constructor(
    private readonly limits: OutboxLimits,
    private readonly wire: Wire,
    /** The member's session: the writer is its child, and a failed write ends it. */
    private readonly session: Task<unknown>,
  ) {}

  get size(): number {
    return this.lines.length;
  }

  /**
   * Queues `line`, or sends it at once when nothing waits before it and the wire can take it
   * without waiting. False when the member is too far behind (nothing is queued).
   */
  offer(line: Frame): boolean {
    if (this.closed) return true; // leaving: nothing more to send, nothing to complain about
    if (this.writer === null && this.lines.length === 0 && this.wire.tryWrite(line)) return true;
    if (this.lines.length >= this.limits.maxLines) return false;
    if (this.bytes + line.length + this.wire.buffered > this.limits.maxBytes) return false;
    this.queue(line);
    return true;
  }

  /** Queues `line` past the bound: a last word before closing (e.g. "you are too slow"). */
  force(line: Frame): void {
    if (this.closed) return;
    this.queue(line);
  }

  /** No more lines: the writer sends what is queued and then ends the wire. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.startWriter();
  }

  /** Waits until the outbox is closed and its last writer has ended (everything sent, or given up). */
  *done(): Operation<void> {
    if (this.closed && this.writer === null) return;
    yield* (this.finished ??= new Event()).wait();
  }

  private queue(line: Frame): void {
    this.lines.push(line);
    this.bytes += line.length;
    this.startWriter();
  }

  private startWriter(): void {
    if (this.writer !== null) return;
    const state = this.session.state;
    if (state === "closing" || state === "done") {
      this.finished?.set(); // the session is gone: nobody will write
      return;
    }
    this.writer = spawnChild(this.session, this.writeQueued(), { name: "writer" });
  }

  /** The writer task: everything queued, batch by batch, then the end of the wire if closed. */
  private *writeQueued(): Operation<void> {
    let failed = false;
    try {
      while (this.lines.length > 0) {
        const batch = this.lines;
        this.lines = [];
        this.bytes = 0;
        yield* this.wire.writeAll(batch);
      }
      if (this.closed) yield* this.wire.end();
    } catch (error) {
      if (error instanceof Cancelled) throw error;
      // A write that fails ends the session as a read that fails does.
      failed = true;
      this.writeError = error;
      this.session.cancel("connection lost");
    } finally {
      this.writerEnded(failed);
    }
  }

  /** The writer found the queue empty, was cancelled (its session ended), or the wire failed. */
  private writerEnded(failed: boolean): void {
    this.writer = null;
    if (failed) {
      this.closed = true; // nothing more can be sent: the rest is dropped
      this.lines = [];
      this.bytes = 0;
    }
    if (this.lines.length > 0) this.startWriter(); // cancelled with lines left: a new one, if the session still runs
    else if (this.closed) this.finished?.set();
  }
}
