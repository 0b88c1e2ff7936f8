import { currentTask, sleep, spawn, type Operation } from "../../../shared/src/loop/index.js";
import { decodeClientCommand, encodeServerEvent, type ClientCommand, type ErrorEvent } from "../../../shared/src/protocol/index.js";
import type { WsConnection } from "../../../shared/src/ws/index.js";
import { runJsonCommand } from "../room/commands.js";
import type { Member } from "../room/member.js";
import { Outbox } from "../room/outbox.js";
import type { NameOffer, Room } from "../room/room.js";
import type { AddressAllowance } from "../address-budget.js";
import { droppedForFlooding, paceLine, TokenBucket } from "../session/flood-control.js";
import { lineTooLong, type SessionLimits } from "../session/limits.js";
import type { SessionLog } from "../session/log.js";
import { enterRoom, leaveReason, leaveRoom, leaving, MemberCommands } from "../session/membership.js";
import { messageFate } from "../session/message-text.js";
import { chooseName, type NameDialog } from "../session/name-step.js";
import { sanitize } from "../text/index.js";
import { jsonCodec } from "./json-codec.js";

export interface WsLimits {
  /** A ping every this often; a peer that has not answered the previous one is dropped. */
  keepaliveMs: number;
  /** Largest JSON command accepted (bigger ones get a "too-large" error; the connection stays). */
  maxCommandBytes: number;
}

/**
 * One WebSocket user: JSON commands in, JSON events out. Like a netcat session, this task is the
 * reader, and the member's outbox writes. The first command must be `join`.
 */
export function* wsSession(connection: WsConnection, room: Room, limits: SessionLimits, ws: WsLimits, log: SessionLog, allowance: AddressAllowance): Operation<void> {
  const session = currentTask();
  spawn(keepalive(connection, ws.keepaliveMs, () => session.cancel("no answer to ping")), { name: "keepalive" });
  const outbox = new Outbox(limits.outbox, connection, session);
  const member = yield* chooseName(new WsJoinDialog(connection, ws), room, { outbox, codec: jsonCodec, session }, limits);
  if (member === null) return;
  log.bind({ name: member.name });
  yield* inRoom(connection, room, member, allowance, limits, ws, log);
}

/** Until a valid `join`: errors go straight back, and the client may try again. */
class WsJoinDialog implements NameDialog {
  constructor(
    private readonly connection: WsConnection,
    private readonly ws: WsLimits,
  ) {}

  *offer(): Operation<NameOffer | ErrorEvent | null | undefined> {
    const frame = yield* this.connection.receive();
    if (frame === null) return null;
    const decoded = decodeClientCommand(frame, this.ws.maxCommandBytes);
    if (!decoded.ok) return decoded.error;
    if (decoded.command.type !== "join") return { type: "error", code: "not-joined", text: 'send {"type":"join","name":"..."} first' };
    return { name: decoded.command.name, key: decoded.command.key };
  }

  refuse(error: ErrorEvent): Operation<void> {
    return this.connection.write(encodeServerEvent(error));
  }

  *giveUp(attempts: number): Operation<void> {
    yield* this.connection.write(encodeServerEvent({ type: "error", code: "name-invalid", text: `no valid join in ${attempts} commands; goodbye` }));
    this.connection.close(1008, "no valid join");
  }

  *timedOut(seconds: number): Operation<void> {
    yield* this.connection.write(encodeServerEvent({ type: "error", code: "timeout", text: `no join in ${seconds} s; goodbye` }));
    this.connection.close(1008, "no join in time");
  }
}

/** The member in the room: applies commands until the user quits, the connection closes, or the member is dropped. */
function* inRoom(connection: WsConnection, room: Room, member: Member, allowance: AddressAllowance, limits: SessionLimits, ws: WsLimits, log: SessionLog): Operation<void> {
  yield* enterRoom(room, member, allowance, log);
  let reason = "connection closed";
  try {
    let bucket: TokenBucket | null = null; // made on the first command: an idle member needs none
    let commands: MemberCommands | null = null; // made on the first command, like the bucket
    for (;;) {
      const frame = yield* connection.receive();
      if (frame === null) {
        if (connection.error?.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") reason = "frame too large";
        return;
      }
      // The socket pauses past maxBacklog + 1 waiting commands, so the backlog can reach the limit.
      if (droppedForFlooding(member, connection.queued, limits, log)) {
        reason = "flooding";
        return;
      }
      const decoded = decodeClientCommand(frame, ws.maxCommandBytes);
      if (!decoded.ok) {
        log.info({ code: decoded.error.code }, "bad command");
        yield* room.tell(member, decoded.error);
        continue;
      }
      yield* paceLine((bucket ??= new TokenBucket(limits.linesPerSecond, limits.burst)), allowance); // a flooder waits here; everyone else is unaffected
      const sent = decoded.command;
      const command = cleaned(sent);
      const fate = "text" in sent && "text" in command ? messageFate(sent.text, command.text) : "send";
      if ("text" in command && Buffer.byteLength(command.text) > limits.maxLineBytes) {
        yield* room.tell(member, lineTooLong(limits.maxLineBytes));
      } else if (command.type === "join") {
        yield* room.tell(member, { type: "error", code: "already-joined", text: `you are already in the room as ${member.name}` });
      } else if (fate !== "send") {
        if (fate !== "ignore") yield* room.tell(member, fate);
      } else if (command.type === "say") {
        yield* room.say(member, command.text);
      } else {
        yield* runJsonCommand((commands ??= new MemberCommands(room, member)), command);
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

/**
 * A command's text as a typed line would arrive: control characters, escapes and invisible
 * characters removed, trimmed (netcat input gets the same in `NetcatInput`). A text that is then
 * blank is ignored or refused as a line is (`messageFate`).
 */
function cleaned(command: ClientCommand): ClientCommand {
  switch (command.type) {
    case "say":
    case "me":
    case "msg":
      return { ...command, text: sanitize(command.text).trim() };
    case "quit":
      return command.reason === undefined ? command : { type: "quit", reason: sanitize(command.reason).trim() };
    default:
      return command;
  }
}

/** Pings every `intervalMs`; a peer that did not answer the previous ping is dropped. */
function* keepalive(connection: WsConnection, intervalMs: number, dead: () => void): Operation<void> {
  let answered = true;
  const onPong = (): void => {
    answered = true;
  };
  connection.socket.on("pong", onPong);
  try {
    for (;;) {
      yield* sleep(intervalMs);
      if (connection.closedWith !== null) return;
      if (!answered) {
        dead();
        connection.terminate();
        return;
      }
      answered = false;
      connection.socket.ping();
    }
  } finally {
    connection.socket.off("pong", onPong);
  }
}
