import type { Logger } from "pino";
import { Cancelled, currentTask, spawn, timeout, type Operation } from "../../../shared/src/loop/index.js";
import type { Frame, Member } from "./member.js";
import type { Outbox } from "./outbox.js";
import type { Room } from "./room.js";

/** How a transport puts a member's lines on the wire. */
export interface Wire {
  /** Writes a batch of encoded lines (parking for backpressure). */
  write(lines: Frame[]): Operation<void>;
  /** After the last line: e.g. a TCP half-close or a WebSocket close frame. */
  finish(): Operation<void>;
}

/**
 * A member's time in the room, the same for every transport: spawn the writer task, enter, run
 * the transport's reader until it returns why the member leaves, then — however it ended — leave
 * and give the writer a bounded time to flush. The calling task is the reader task.
 */
export function* stayInRoom(
  room: Room,
  member: Member,
  outbox: Outbox,
  wire: Wire,
  read: () => Operation<string>,
  flushTimeoutMs: number,
  log: Logger,
): Operation<void> {
  const session = currentTask();
  // A write that fails (reset, broken pipe) ends the session like a read that fails.
  const writeFailed = (error: unknown): void => {
    log.info({ err: error }, "write failed");
    session.cancel("connection lost");
  };
  const writer = spawn(writeLoop(outbox, wire, room, writeFailed), { name: `writer ${member.name}` });
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
      yield* timeout(flushTimeoutMs, writer.join()); // let queued lines reach the user
    } catch {
      // a peer that does not read gets no more time; its connection is closed by the caller
    }
    if (member.kickedFor === "too slow") log.warn({ outboxLines: outbox.size }, "too slow: disconnected");
    log.info({ reason }, "left");
  }
}

/** The writer task: drains the outbox to the wire until it is closed and empty. */
function* writeLoop(outbox: Outbox, wire: Wire, room: Room, writeFailed: (error: unknown) => void): Operation<void> {
  room.writerStarted();
  try {
    for (;;) {
      const lines = yield* outbox.takeAll();
      if (lines === null) break;
      yield* wire.write(lines);
    }
    yield* wire.finish();
  } catch (error) {
    if (error instanceof Cancelled) throw error;
    writeFailed(error); // a dead peer, not a server failure
  } finally {
    room.writerEnded();
  }
}
