import type { ServerEvent } from "../../../shared/src/protocol/index.js";
import { maybeCurrentTask, type Task } from "../../../shared/src/loop/index.js";
import type { Outbox } from "./outbox.js";

/**
 * What a transport sends for one event: bytes for netcat (encoded once, the same Buffer queued for
 * every member), a string for WebSocket (one text frame).
 */
export type Frame = string | Buffer;

/** Frames of a byte stream as one Buffer (one socket write). */
export function joinFrames(frames: Frame[]): Buffer {
  return Buffer.concat(frames.map((f) => (typeof f === "string" ? Buffer.from(f, "utf8") : f)));
}

/** Turns events into what one transport sends (text lines for netcat, JSON for WebSocket). */
export interface Codec {
  readonly name: string;
  /** Whether frames may be joined into one (a byte stream: yes; WebSocket messages: no). */
  readonly joinable: boolean;
  encode(event: ServerEvent): Frame;
}

/** A person in the room, as the room sees them: a name, an outbox and a way to make them leave. */
export class Member {
  /** Why the room made this member leave (e.g. too slow), if it did. */
  kickedFor: string | null = null;

  constructor(
    public name: string,
    readonly outbox: Outbox,
    readonly codec: Codec,
    /** The member's session (its reader task): kicking cancels it, and it then leaves the room. */
    private readonly session: Task<unknown>,
  ) {}

  /** Queues an event for this member only; false if the member is too far behind. */
  send(event: ServerEvent): boolean {
    return this.outbox.offer(this.codec.encode(event));
  }

  /** Disconnects the member with a last word to them. Idempotent. */
  kick(reason: string, lastWord: ServerEvent): void {
    if (this.kickedFor !== null) return;
    this.kickedFor = reason;
    this.outbox.force(this.codec.encode(lastWord));
    this.outbox.close();
    // A session that kicks its own member (e.g. for flooding) ends by itself, not by cancellation.
    if (maybeCurrentTask() !== this.session) this.session.cancel(reason);
  }
}
