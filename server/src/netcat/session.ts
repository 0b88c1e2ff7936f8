import { currentTask, type Connection, type Operation } from "../../../shared/src/loop/index.js";
import type { ErrorEvent } from "../../../shared/src/protocol/index.js";
import { runCommand } from "../room/commands.js";
import type { Member } from "../room/member.js";
import { Outbox } from "../room/outbox.js";
import type { NameOffer, Room } from "../room/room.js";
import type { AddressAllowance } from "../address-budget.js";
import { droppedForFlooding, paceLine, TokenBucket } from "../session/flood-control.js";
import { lineTooLong, type SessionCounter, type SessionLimits } from "../session/limits.js";
import type { SessionLog } from "../session/log.js";
import { enterRoom, leaveReason, leaveRoom, leaving, MemberCommands } from "../session/membership.js";
import { messageFate } from "../session/message-text.js";
import { chooseName, type NameDialog } from "../session/name-step.js";
import { isBlank } from "../text/index.js";
import { NetcatInput } from "./input.js";
import { textCodec, textOf } from "./text-codec.js";
import { ProtocolSniffer, turnAway, type TurnAway } from "./wrong-protocol.js";

const errorLine = (code: ErrorEvent["code"], text: string): string => textOf({ type: "error", code, text });

/**
 * One netcat/telnet user, from connect to leave. This task reads (it is the reader task); the
 * member's outbox writes to the socket, on the spot or from a writer task of its own.
 */
export function* netcatSession(connection: Connection, room: Room, limits: SessionLimits, log: SessionLog, sessions: SessionCounter, allowance: AddressAllowance, httpPort: number): Operation<void> {
  sessions.opened(log, "tcp", connection.address, allowance);
  try {
    const { socket, writer } = connection;
    socket.setKeepAlive(true, 30_000); // find dead peers: a ghost must not hold a name for long
    socket.setNoDelay(true);
    const input = new NetcatInput(connection.reader, limits.maxLineBytes);
    const outbox = new Outbox(limits.outbox, writer, currentTask());

    yield* writer.write("* Welcome to loopchat, a chat room on a hand-made event loop.\r\n");
    const member = yield* chooseName(new NetcatNameDialog(connection, input, { httpPort, log, sessions }), room, { outbox, codec: textCodec, session: currentTask() }, limits);
    if (member === null) return;
    log.bind({ name: member.name });
    yield* inRoom(input, room, member, allowance, limits, log);
  } finally {
    sessions.closed(log, "tcp", connection.address, allowance);
  }
}

/** The name prompt: `Username: `, one line per try; errors as `! ...` lines. Another protocol is turned away. */
class NetcatNameDialog implements NameDialog {
  private readonly sniffer: ProtocolSniffer;

  constructor(
    private readonly connection: Connection,
    input: NetcatInput,
    private readonly wrongProtocol: TurnAway,
  ) {
    this.sniffer = new ProtocolSniffer(input);
  }

  *offer(): Operation<NameOffer | ErrorEvent | null | undefined> {
    yield* this.connection.writer.write("Username: "); // no newline: the cursor waits after the prompt
    const line = yield* this.sniffer.next();
    if (line === null) return null;
    if (typeof line === "string") {
      yield* turnAway(this.connection, line, this.wrongProtocol);
      return null; // as if it had left
    }
    if ("tooLong" in line) return { type: "error", code: "name-invalid", text: "a name is 1 to 24 characters" };
    return isBlank(line.text) ? undefined : { name: line.text }; // no key: a typed line cannot carry one
  }

  refuse(error: ErrorEvent): Operation<void> {
    return this.connection.writer.write(textCodec.encode(error));
  }

  giveUp(attempts: number): Operation<void> {
    return this.connection.writer.write(errorLine("name-invalid", `no valid name in ${attempts} lines; goodbye`));
  }

  timedOut(seconds: number): Operation<void> {
    return this.connection.writer.write("\r\n" + errorLine("timeout", `no name chosen in ${seconds} s; goodbye`));
  }
}

/** The member in the room: turns lines into messages and commands until the user quits or is dropped. */
function* inRoom(input: NetcatInput, room: Room, member: Member, allowance: AddressAllowance, limits: SessionLimits, log: SessionLog): Operation<void> {
  yield* enterRoom(room, member, allowance, log);
  let reason = "connection closed";
  try {
    let bucket: TokenBucket | null = null; // made on the first line: an idle member needs none
    let commands: MemberCommands | null = null; // made on the first command, like the bucket
    for (;;) {
      // input.next() spelled out, so that an idle member's reader parks in this frame (see
      // "Why parks cost no frame" in shared/README.md).
      let line = input.take();
      while (line === undefined) {
        const chunk = input.reader.tryRead();
        if (chunk === undefined) yield input.reader.readWait();
        else input.feed(chunk);
        line = input.take();
      }
      if (line === null) return; // EOF: "connection closed"
      if (droppedForFlooding(member, input.backlog, limits, log)) {
        reason = "flooding";
        return;
      }
      if ("tooLong" in line) {
        log.info({ maxLineBytes: limits.maxLineBytes }, "line too long");
        yield* room.tell(member, lineTooLong(limits.maxLineBytes));
        continue;
      }
      const fate = messageFate(line.raw, line.text);
      if (fate === "ignore") continue; // empty, or spaces only
      const text = line.text.trim();
      yield* paceLine((bucket ??= new TokenBucket(limits.linesPerSecond, limits.burst)), allowance); // a flooder waits here; everyone else is unaffected
      if (fate !== "send") {
        yield* room.tell(member, fate);
      } else if (text.startsWith("/")) {
        yield* runCommand((commands ??= new MemberCommands(room, member)), text);
      } else {
        log.debug({ text }, "message");
        yield* room.say(member, text);
      }
      const why = leaving(member, commands);
      if (why !== null) {
        reason = why;
        return;
      }
    }
  } catch (error) {
    reason = leaveReason(error, member, log);
  } finally {
    yield* leaveRoom(room, member, allowance, reason, limits.flushTimeoutMs, log);
  }
}
