import { Cancelled, currentTask, maybeCurrentTask, spawnChild, timeout, type Operation, type Task } from "../../../shared/src/loop/index.js";
import type { Frame, Member } from "./member.js";
import type { Outbox } from "./outbox.js";
import type { Room } from "./room.js";
import type { SessionLog } from "../session-log.js";

/** How a transport puts a member's lines on the wire. */
export interface Wire {
  /** Writes a batch of encoded lines (parking for backpressure). */
  write(lines: Frame[]): Operation<void>;
  /** After the last line: e.g. a TCP half-close or a WebSocket close frame. */
  finish(): Operation<void>;
}

/*
 * A member's time in the room is the same for every transport; each transport's read loop has
 * this shape (it runs in the session task, the reader):
 *
 *   yield* enterRoom(...);
 *   let reason = "connection closed";
 *   try { ...read and apply lines, `reason = ...; return` to leave... }
 *   catch (error) { reason = leaveReason(error, member, log); }
 *   finally { yield* leaveRoom(..., reason, ...); }
 *
 * Plain steps called by the read loop rather than a wrapper around it, because a wrapping
 * generator would stay parked under every idle reader: a frame of memory per connection.
 */

/** Enters the room; from now on the outbox starts the member's writer task (a child of this session) whenever lines must wait. */
export function* enterRoom(room: Room, member: Member, outbox: Outbox, wire: Wire, log: SessionLog): Operation<void> {
  const session = currentTask();
  outbox.writersFrom(() => {
    if (session.state === "closing" || session.state === "done") return null;
    room.writerStarted(); // counted at once, so a shutdown waiting for writers sees it
    return spawnChild(session, writeLoop(outbox, wire, room, session, log), { name: "writer" });
  });
  log.info("joined");
  yield* room.enter(member);
}

/**
 * Whether a member is flooding: lines (or commands) wait behind the rate limit, and past
 * `maxBacklog` of them the member is told and dropped. Without a rate limit nothing waits, so
 * there is no flood. Returns true when the caller must end its read loop ("flooding").
 */
export function droppedForFlooding(member: Member, backlog: number, limits: { linesPerSecond: number; maxBacklog: number }, log: SessionLog): boolean {
  if (limits.linesPerSecond === 0 || backlog <= limits.maxBacklog) return false;
  log.warn({ backlog }, "flooding: disconnected");
  member.kick("flooding", { type: "error", code: "flooding", text: "you are sending too much too fast; disconnecting" });
  return true;
}

/** Why a member's read loop ended with `error`: kicked, connection lost, or the server stops. */
export function leaveReason(error: unknown, member: Member, log: SessionLog): string {
  if (error instanceof Cancelled && error.task === maybeCurrentTask()) return member.kickedFor ?? error.reason;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason = code === "ECONNRESET" || code === "EPIPE" ? "connection lost" : "connection error";
  log.info({ err: error }, reason);
  return reason;
}

/** However the read loop ended: leave, and give the outbox a bounded time to flush. */
export function* leaveRoom(room: Room, member: Member, outbox: Outbox, reason: string, flushTimeoutMs: number, log: SessionLog): Operation<void> {
  yield* room.leave(member, reason); // the broadcaster closes the outbox after the last line
  try {
    yield* timeout(flushTimeoutMs, outbox.done()); // let queued lines reach the user
  } catch {
    // a peer that does not read gets no more time; its connection is closed by the caller
  }
  if (member.kickedFor === "too slow") log.warn({ outboxLines: outbox.size }, "too slow: disconnected");
  log.info({ reason }, "left");
}

/**
 * A writer task: sends everything the outbox holds, batch by batch, parking while the socket
 * drains; ends when the outbox is empty, after finishing the transport if the outbox is closed.
 */
function* writeLoop(outbox: Outbox, wire: Wire, room: Room, session: Task<unknown>, log: SessionLog): Operation<void> {
  let failed = false;
  try {
    for (let lines = outbox.takeAll(); lines !== null; lines = outbox.takeAll()) yield* wire.write(lines);
    if (outbox.closed) yield* wire.finish();
  } catch (error) {
    if (error instanceof Cancelled) throw error;
    // A write that fails (reset, broken pipe) ends the session like a read that fails.
    failed = true;
    log.info({ err: error }, "write failed");
    session.cancel("connection lost");
  } finally {
    outbox.writerEnded(failed);
    room.writerEnded();
  }
}
