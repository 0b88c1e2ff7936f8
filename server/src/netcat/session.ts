import {
  currentTask,
  timeout,
  TimeoutError,
  type Connection,
  type Operation,
  type StreamWriter,
  type Task,
} from "../../../shared/src/loop/index.js";
import type { ErrorEvent } from "../../../shared/src/protocol/index.js";
import { runCommand, type CommandContext } from "../room/commands.js";
import { droppedForFlooding, enterRoom, leaveReason, leaveRoom, type Wire } from "../room/presence.js";
import { joinFrames, type Frame, type Member } from "../room/member.js";
import { Outbox, type OutboxLimits } from "../room/outbox.js";
import type { Room } from "../room/room.js";
import { TokenBucket } from "../token-bucket.js";
import { NetcatInput } from "./input.js";
import { textCodec, textOf } from "./text-codec.js";
import { isBlank } from "../text/index.js";
import type { SessionLog } from "../session-log.js";

/** Counts sessions against the server's limit: `opened` at the start, `closed` however it ends. */
export interface SessionCounter {
  opened(log: SessionLog, transport: "tcp" | "ws", address: string): void;
  closed(log: SessionLog, transport: "tcp" | "ws", address: string): void;
}

export interface SessionLimits {
  maxLineBytes: number;
  nameTimeoutMs: number;
  /**
   * Lines (or WebSocket commands) before a name is chosen, after which the client is dropped: a
   * junk stream would otherwise cost an error and a prompt per line, unthrottled.
   */
  maxNameAttempts: number;
  linesPerSecond: number;
  burst: number;
  /** Lines received but not yet processed beyond which a flooder is disconnected. */
  maxBacklog: number;
  outbox: OutboxLimits;
  /** How long a leaving session may take to flush its outbox. */
  flushTimeoutMs: number;
}

const errorLine = (code: ErrorEvent["code"], text: string): string => textOf({ type: "error", code, text });

/**
 * One netcat/telnet user, from connect to leave. This task reads (it is the reader task); a
 * writer task, started by the member's outbox whenever lines must wait, drains it to the socket.
 */
export function* netcatSession(connection: Connection, room: Room, limits: SessionLimits, log: SessionLog, sessions: SessionCounter): Operation<void> {
  sessions.opened(log, "tcp", connection.address);
  try {
    const { socket, writer } = connection;
    socket.setKeepAlive(true, 30_000); // find dead peers: a ghost must not hold a name for long
    socket.setNoDelay(true);
    const session = currentTask();
    const input = new NetcatInput(connection.reader, limits.maxLineBytes);
    const outbox = new Outbox(limits.outbox, writer);

    yield* writer.write("* Welcome to loopchat, a chat room on a hand-made event loop.\r\n");
    let member: Member | null;
    try {
      member = yield* timeout(limits.nameTimeoutMs, chooseName(connection, input, room, outbox, session, limits.maxNameAttempts));
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      yield* writer.write("\r\n" + errorLine("timeout", `no name chosen in ${limits.nameTimeoutMs / 1000} s; goodbye`));
      return;
    }
    if (member === null) return; // left before choosing a name

    log.bind({ name: member.name });
    yield* inRoom(input, room, member, outbox, new NetcatWire(writer), limits, log);
  } finally {
    sessions.closed(log, "tcp", connection.address);
  }
}

/** Lines onto the socket: a batch as one write; at the end a half-close (the client sees EOF). */
class NetcatWire implements Wire {
  constructor(private readonly writer: StreamWriter) {}

  write(lines: Frame[]): Operation<void> {
    return this.writer.write(lines.length === 1 ? (lines[0] as Frame) : joinFrames(lines));
  }

  finish(): Operation<void> {
    return this.writer.end();
  }
}

/** Prompts until the user picks a free, valid name; null if they leave first. */
function* chooseName(
  { writer }: Connection,
  input: NetcatInput,
  room: Room,
  outbox: Outbox,
  session: Task<unknown>,
  maxAttempts: number,
): Operation<Member | null> {
  for (let attempts = 0; ; attempts++) {
    if (attempts === maxAttempts) {
      yield* writer.write(errorLine("name-invalid", `no valid name in ${maxAttempts} lines; goodbye`));
      return null;
    }
    yield* writer.write("Username: "); // no newline: the cursor waits after the prompt
    const line = yield* input.next();
    if (line === null) return null;
    if ("tooLong" in line) {
      yield* writer.write(errorLine("name-invalid", "a name is 1 to 24 characters"));
      continue;
    }
    if (isBlank(line.text)) continue;
    const claim = room.claim(line.text, outbox, textCodec, session);
    if ("member" in claim) return claim.member;
    yield* writer.write(textCodec.encode(claim.error));
  }
}

/** The member in the room: turns lines into messages and commands until the user quits or is dropped. */
function* inRoom(input: NetcatInput, room: Room, member: Member, outbox: Outbox, wire: Wire, limits: SessionLimits, log: SessionLog): Operation<void> {
  yield* enterRoom(room, member, outbox, wire, log);
  let reason = "connection closed";
  try {
    let bucket: TokenBucket | null = null; // made on the first line: an idle member needs none
    let quitReason: string | null = null;
    let ctx: CommandContext | null = null; // made on the first command, like the bucket
    for (;;) {
      // input.next() spelled out, parking in this very frame: an idle member's reader waits here,
      // and every generator frame on a parked stack is memory held per connection.
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
        yield* room.tell(member, { type: "error", code: "line-too-long", text: `line too long (the limit is ${limits.maxLineBytes} bytes); it was not sent` });
        continue;
      }
      if (isBlank(line.text)) continue; // empty, spaces or invisible characters only
      const text = line.text.trim();
      yield* (bucket ??= new TokenBucket(limits.linesPerSecond, limits.burst)).take(); // a flooder waits here; everyone else is unaffected
      if (text.startsWith("/")) {
        ctx ??= { room, member, reply: (event) => room.tell(member, event), quit: (why) => (quitReason = why) };
        yield* runCommand(ctx, text);
        if (quitReason !== null) {
          reason = quitReason;
          return;
        }
      } else {
        log.debug({ text }, "message");
        yield* room.say(member, text);
      }
      if (member.kickedFor !== null) {
        reason = member.kickedFor;
        return;
      }
    }
  } catch (error) {
    reason = leaveReason(error, member, log);
  } finally {
    yield* leaveRoom(room, member, outbox, reason, limits.flushTimeoutMs, log);
  }
}
