import type { Logger } from "pino";
import {
  currentTask,
  maybeCurrentTask,
  timeout,
  TimeoutError,
  type Connection,
  type Operation,
} from "../../../shared/src/loop/index.js";
import type { ErrorEvent, ServerEvent } from "../../../shared/src/protocol/index.js";
import { runCommand, type CommandContext } from "../room/commands.js";
import { stayInRoom, type Wire } from "../room/presence.js";
import type { Frame, Member } from "../room/member.js";
import { Outbox, type OutboxLimits } from "../room/outbox.js";
import type { Room } from "../room/room.js";
import { TokenBucket } from "../token-bucket.js";
import { NetcatInput } from "./input.js";
import { textCodec, textOf } from "./text-codec.js";
import { isBlank } from "../text/index.js";

export interface SessionLimits {
  maxLineBytes: number;
  nameTimeoutMs: number;
  linesPerSecond: number;
  burst: number;
  /** Lines received but not yet processed beyond which a flooder is disconnected. */
  maxBacklog: number;
  outbox: OutboxLimits;
  /** How long a leaving session may take to flush its outbox. */
  flushTimeoutMs: number;
}

/** A writer's batch as one socket write. */
function concat(frames: Frame[]): Buffer {
  return Buffer.concat(frames.map((f) => (typeof f === "string" ? Buffer.from(f, "utf8") : f)));
}

const errorLine = (code: ErrorEvent["code"], text: string): string => textOf({ type: "error", code, text });

/**
 * One netcat/telnet user, from connect to leave. This task reads (it is the reader task); the
 * writer task it spawns drains the member's outbox to the socket.
 */
export function* netcatSession(connection: Connection, room: Room, limits: SessionLimits, log: Logger): Operation<void> {
  const { socket, writer } = connection;
  socket.setKeepAlive(true, 30_000); // find dead peers: a ghost must not hold a name for long
  socket.setNoDelay(true);
  const session = currentTask();
  const input = new NetcatInput(connection.reader, limits.maxLineBytes);
  const outbox = new Outbox(limits.outbox, writer);

  yield* writer.write("* Welcome to loopchat, a chat room on a hand-made event loop.\r\n");
  let member: Member | null;
  try {
    // The room ends a session (e.g. too slow) by cancelling it; a session ending itself just returns.
    const endSession = (reason: string): void => {
      if (maybeCurrentTask() !== session) session.cancel(reason);
    };
    member = yield* timeout(limits.nameTimeoutMs, chooseName(connection, input, room, outbox, endSession));
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    yield* writer.write("\r\n" + errorLine("timeout", `no name chosen in ${limits.nameTimeoutMs / 1000} s; goodbye`));
    return;
  }
  if (member === null) return; // left before choosing a name

  log.setBindings({ name: member.name }); // not a child logger: one per connection is enough
  const wire: Wire = {
    write: (lines) => writer.write(lines.length === 1 ? (lines[0] as Frame) : concat(lines)),
    finish: () => writer.end(), // flushed: half-close, the client sees EOF
  };
  yield* stayInRoom(room, member, outbox, wire, () => readLoop(input, room, member, limits, log), limits.flushTimeoutMs, log);
}

/** Prompts until the user picks a free, valid name; null if they leave first. */
function* chooseName(
  { writer }: Connection,
  input: NetcatInput,
  room: Room,
  outbox: Outbox,
  endSession: (reason: string) => void,
): Operation<Member | null> {
  for (;;) {
    yield* writer.write("Username: "); // no newline: the cursor waits after the prompt
    const line = yield* input.next();
    if (line === null) return null;
    if ("tooLong" in line) {
      yield* writer.write(errorLine("name-invalid", "a name is 1 to 24 characters"));
      continue;
    }
    if (isBlank(line.text)) continue;
    const claim = room.claim(line.text, outbox, textCodec, endSession);
    if ("member" in claim) return claim.member;
    yield* writer.write(textCodec.encode(claim.error));
  }
}

/** Turns lines into messages and commands until the user quits; returns why the session ends. */
function* readLoop(input: NetcatInput, room: Room, member: Member, limits: SessionLimits, log: Logger): Operation<string> {
  let bucket: TokenBucket | null = null; // made on the first line: an idle member needs none
  let quitReason: string | null = null;
  const reply = (event: ServerEvent): Operation<void> => room.tell(member, event);
  const ctx: CommandContext = { room, member, reply, quit: (reason) => (quitReason = reason) };
  for (;;) {
    const line = yield* input.next();
    if (line === null) return "connection closed";
    // Lines queue up behind the rate limit; without one, nothing waits and there is no flood.
    if (limits.linesPerSecond > 0 && input.backlog > limits.maxBacklog) {
      log.warn({ backlog: input.backlog }, "flooding: disconnected");
      member.kick("flooding", { type: "error", code: "flooding", text: "you are sending too much too fast; disconnecting" });
      return "flooding";
    }
    if ("tooLong" in line) {
      log.info({ maxLineBytes: limits.maxLineBytes }, "line too long");
      yield* reply({ type: "error", code: "line-too-long", text: `line too long (the limit is ${limits.maxLineBytes} bytes); it was not sent` });
      continue;
    }
    if (isBlank(line.text)) continue; // empty, spaces or invisible characters only
    const text = line.text.trim();
    yield* (bucket ??= new TokenBucket(limits.linesPerSecond, limits.burst)).take(); // a flooder waits here; everyone else is unaffected
    if (text.startsWith("/")) {
      yield* runCommand(ctx, text);
      if (quitReason !== null) return quitReason;
    } else {
      log.debug({ text }, "message");
      yield* room.say(member, text);
    }
    if (member.kickedFor !== null) return member.kickedFor;
  }
}
