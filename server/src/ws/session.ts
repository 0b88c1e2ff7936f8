import { currentTask, sleep, spawn, timeout, TimeoutError, type Operation, type Task } from "../../../shared/src/loop/index.js";
import { decodeClientCommand, encodeServerEvent, type ClientCommand, type ServerEvent } from "../../../shared/src/protocol/index.js";
import type { WsConnection } from "../../../shared/src/ws/index.js";
import type { Member } from "../room/member.js";
import { Outbox } from "../room/outbox.js";
import { droppedForFlooding, enterRoom, leaveReason, leaveRoom, type Wire } from "../room/presence.js";
import type { Room } from "../room/room.js";
import type { SessionLimits } from "../netcat/session.js";
import { isBlank, sanitize } from "../text/index.js";
import { TokenBucket } from "../token-bucket.js";
import { jsonCodec } from "./json-codec.js";
import type { SessionLog } from "../session-log.js";

export interface WsLimits {
  /** A ping every this often; a peer that has not answered the previous one is dropped. */
  keepaliveMs: number;
  /** Largest JSON command accepted (bigger ones get a "too-large" error; the connection stays). */
  maxCommandBytes: number;
}

/**
 * One WebSocket user: JSON commands in, JSON events out. Like a netcat session, this task is the
 * reader; `stayInRoom` runs the writer task. The first command must be `join`.
 */
export function* wsSession(connection: WsConnection, room: Room, limits: SessionLimits, ws: WsLimits, log: SessionLog): Operation<void> {
  const session = currentTask();
  spawn(keepalive(connection, ws.keepaliveMs, () => session.cancel("no answer to ping")), { name: "keepalive" });
  const outbox = new Outbox(limits.outbox, connection);
  let member: Member | null;
  try {
    member = yield* timeout(limits.nameTimeoutMs, awaitJoin(connection, room, outbox, ws, session, limits.maxNameAttempts));
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    yield* connection.send(encodeServerEvent({ type: "error", code: "timeout", text: `no join in ${limits.nameTimeoutMs / 1000} s; goodbye` }));
    connection.close(1008, "no join in time");
    return;
  }
  if (member === null) return;
  const wire: Wire = {
    *write(lines) {
      for (const frame of lines) yield* connection.send(typeof frame === "string" ? frame : frame.toString("utf8")); // JSON: always strings
    },
    *finish() {
      connection.close(1000, "goodbye");
    },
  };
  log.bind({ name: member.name });
  yield* inRoom(connection, room, member, outbox, wire, limits, ws, log);
}

/** Until a valid `join`: errors go straight back, and the client may try again. */
function* awaitJoin(
  connection: WsConnection,
  room: Room,
  outbox: Outbox,
  ws: WsLimits,
  session: Task<unknown>,
  maxAttempts: number,
): Operation<Member | null> {
  for (let attempts = 0; ; attempts++) {
    if (attempts === maxAttempts) {
      yield* connection.send(encodeServerEvent({ type: "error", code: "name-invalid", text: `no valid join in ${maxAttempts} commands; goodbye` }));
      connection.close(1008, "no valid join");
      return null;
    }
    const frame = yield* connection.receive();
    if (frame === null) return null;
    const decoded = decodeClientCommand(frame, ws.maxCommandBytes);
    let error: ServerEvent;
    if (!decoded.ok) error = decoded.error;
    else if (decoded.command.type !== "join") error = { type: "error", code: "not-joined", text: 'send {"type":"join","name":"..."} first' };
    else {
      const claim = room.claim(decoded.command.name, outbox, jsonCodec, session);
      if ("member" in claim) return claim.member;
      error = claim.error;
    }
    yield* connection.send(encodeServerEvent(error));
  }
}

/** The member in the room: applies commands until the user quits, the connection closes, or the member is dropped. */
function* inRoom(connection: WsConnection, room: Room, member: Member, outbox: Outbox, wire: Wire, limits: SessionLimits, ws: WsLimits, log: SessionLog): Operation<void> {
  yield* enterRoom(room, member, outbox, wire, log);
  let reason = "connection closed";
  try {
    let bucket: TokenBucket | null = null; // made on the first line: an idle member needs none
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
      yield* (bucket ??= new TokenBucket(limits.linesPerSecond, limits.burst)).take(); // a flooder waits here; everyone else is unaffected
      const quit = yield* apply(decoded.command, room, member, limits);
      if (quit !== null || member.kickedFor !== null) {
        reason = quit ?? member.kickedFor ?? reason;
        return;
      }
    }
  } catch (error) {
    reason = leaveReason(error, member, log);
  } finally {
    yield* leaveRoom(room, member, outbox, reason, limits.flushTimeoutMs, log);
  }
}

/** One command; returns the reason when it ends the session (quit). */
function* apply(command: ClientCommand, room: Room, member: Member, limits: SessionLimits): Operation<string | null> {
  const text = "text" in command ? sanitize(command.text).trim() : "";
  if ((command.type === "say" || command.type === "me") && Buffer.byteLength(text) > limits.maxLineBytes) {
    yield* room.tell(member, { type: "error", code: "line-too-long", text: `line too long (the limit is ${limits.maxLineBytes} bytes); it was not sent` });
    return null;
  }
  switch (command.type) {
    case "join":
      yield* room.tell(member, { type: "error", code: "already-joined", text: `you are already in the room as ${member.name}` });
      return null;
    case "say":
      if (!isBlank(text)) yield* room.say(member, text);
      return null;
    case "me":
      if (!isBlank(text)) yield* room.act(member, text);
      return null;
    case "nick": {
      const error = yield* room.rename(member, command.name);
      if (error !== null) yield* room.tell(member, error);
      return null;
    }
    case "msg":
      if (isBlank(text)) return null;
      if (!(yield* room.whisper(member, command.to, text))) {
        yield* room.tell(member, { type: "error", code: "no-such-user", text: `nobody called ${command.to} is online` });
      }
      return null;
    case "users":
      yield* room.tell(member, { type: "users", users: room.users() });
      return null;
    case "quit":
      return command.reason ? `quit: ${sanitize(command.reason).slice(0, 200)}` : "quit";
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
