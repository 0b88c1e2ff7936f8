import { Cancelled, currentTask, spawnChild, timeout, type Operation, type Task } from "../../../shared/src/loop/index.js";
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

/**
 * A member's time in the room, the same for every transport: enter, run the transport's reader
 * until it returns why the member leaves, then — however it ended — leave and give the outbox a
 * bounded time to flush. The calling task is the reader task; the member's writer task is its
 * child, started by the outbox whenever lines must wait for the socket (see `Outbox`).
 */
export function* stayInRoom(
  room: Room,
  member: Member,
  outbox: Outbox,
  wire: Wire,
  read: () => Operation<string>,
  flushTimeoutMs: number,
  log: SessionLog,
): Operation<void> {
  const session = currentTask();
  outbox.writersFrom(() => {
    if (session.state === "closing" || session.state === "done") return null;
    room.writerStarted(); // counted at once, so a shutdown waiting for writers sees it
    return spawnChild(session, writeLoop(outbox, wire, room, session, log), { name: "writer" });
  });
  log.info("joined");
  let reason = "connection closed";
  try {
    yield* room.enter(member);
    reason = yield* read();
  } catch (error) {
    if (error instanceof Cancelled && error.task === session) {
      reason = member.kickedFor ?? error.reason; // kicked, connection lost, or the server stops
    } else {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      reason = code === "ECONNRESET" || code === "EPIPE" ? "connection lost" : "connection error";
      log.info({ err: error }, reason);
    }
  } finally {
    yield* room.leave(member, reason); // the broadcaster closes the outbox after the last line
    try {
      yield* timeout(flushTimeoutMs, outbox.done()); // let queued lines reach the user
    } catch {
      // a peer that does not read gets no more time; its connection is closed by the caller
    }
    if (member.kickedFor === "too slow") log.warn({ outboxLines: outbox.size }, "too slow: disconnected");
    log.info({ reason }, "left");
  }
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
