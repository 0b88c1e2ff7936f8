import { Cancelled, currentTask, maybeCurrentTask, timeout, type Operation } from "../../../shared/src/loop/index.js";
import type { ServerEvent } from "../../../shared/src/protocol/index.js";
import type { AddressAllowance } from "../address-budget.js";
import type { CommandContext } from "../room/commands.js";
import type { Member } from "../room/member.js";
import type { Room } from "../room/room.js";
import type { SessionLog } from "./log.js";

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
 * Plain steps called by the read loop rather than a wrapper around it: a wrapper would stay
 * parked under every idle reader (see "Why parks cost no frame" in shared/README.md).
 */

/** Enters the room. A join is a notice to everyone, so it spends from the address's budget like a line. */
export function* enterRoom(room: Room, member: Member, allowance: AddressAllowance, log: SessionLog): Operation<void> {
  allowance.charge(currentTask().loop.clock.now());
  log.info("joined");
  yield* room.enter(member);
}

/** A member's commands: answers go to them alone, through the room's queue; /quit is remembered. */
export class MemberCommands implements CommandContext {
  quitReason: string | null = null;

  constructor(
    readonly room: Room,
    readonly member: Member,
  ) {}

  reply(event: ServerEvent): Operation<void> {
    return this.room.tell(this.member, event);
  }

  quit(reason: string): void {
    this.quitReason = reason;
  }
}

/** Why the member must leave now (it quit, or the room dropped it), or null to go on reading. */
export function leaving(member: Member, commands: MemberCommands | null): string | null {
  return commands?.quitReason ?? member.kickedFor;
}

/** Why a member's read loop ended with `error`: kicked, connection lost, or the server stops. */
export function leaveReason(error: unknown, member: Member, log: SessionLog): string {
  if (error instanceof Cancelled && error.task === maybeCurrentTask()) return member.kickedFor ?? error.reason;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason = code === "ECONNRESET" || code === "EPIPE" ? "connection lost" : "connection error";
  log.info({ err: error }, reason);
  return reason;
}

/** However the read loop ended: leave (a notice: spent like a join), and give the outbox a bounded time to flush. */
export function* leaveRoom(room: Room, member: Member, allowance: AddressAllowance, reason: string, flushTimeoutMs: number, log: SessionLog): Operation<void> {
  const outbox = member.outbox;
  allowance.charge(currentTask().loop.clock.now());
  yield* room.leave(member, reason); // the broadcaster closes the outbox after the last line
  try {
    yield* timeout(flushTimeoutMs, outbox.done()); // let queued lines reach the user
  } catch {
    // a peer that does not read gets no more time; its connection is closed by the caller
  }
  if (outbox.writeError !== null) log.info({ err: outbox.writeError }, "write failed");
  if (member.kickedFor === "too slow") log.warn({ outboxLines: outbox.size }, "too slow: disconnected");
  log.info({ reason }, "left");
}
