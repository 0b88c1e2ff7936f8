import type { Logger } from "pino";
import {
  Event,
  listen,
  scope,
  serve,
  timeout,
  type Connection,
  type Listener,
  type Operation,
} from "../../shared/src/loop/index.js";
import { netcatSession, type SessionLimits } from "./netcat/session.js";
import { textCodec } from "./netcat/text-codec.js";
import { Room } from "./room/room.js";
import { NAME_MAX_LENGTH } from "./text/index.js";

export interface ChatServerOptions {
  host: string;
  tcpPort: number;
  historySize: number;
  maxClients: number;
  limits?: Partial<SessionLimits>;
  /** How long a shutdown waits for outboxes to flush before it closes the sockets. */
  shutdownGraceMs?: number;
}

export const DEFAULT_LIMITS: SessionLimits = {
  maxLineBytes: 1024,
  nameTimeoutMs: 60_000,
  linesPerSecond: 5,
  burst: 10,
  maxBacklog: 200,
  outbox: { maxLines: 1000, maxBytes: 1024 * 1024 },
  flushTimeoutMs: 2_000,
};

/**
 * The chat server: one room, its broadcaster task, and the netcat listener with a task per
 * connection. `run()` serves until `stop()`, then says goodbye to everyone and shuts down.
 */
export class ChatServer {
  readonly room: Room;
  readonly limits: SessionLimits;
  private listener: Listener | null = null;
  private readonly stopRequested = new Event();
  private stopReason = "shutdown";
  private sessions = 0;
  private nextConnectionId = 1;

  constructor(
    readonly options: ChatServerOptions,
    readonly log: Logger,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const { maxLineBytes, linesPerSecond, burst } = this.limits;
    this.room = new Room({ historySize: options.historySize, limits: { maxLineBytes, linesPerSecond, burst, maxNameLength: NAME_MAX_LENGTH } });
  }

  /** The bound TCP port (after `run()` has started listening). */
  get tcpPort(): number {
    if (this.listener === null) throw new Error("the server is not listening yet");
    return this.listener.port;
  }

  /** Asks a running server to shut down gracefully. */
  stop(reason = "shutdown"): void {
    this.stopReason = reason;
    this.stopRequested.set();
  }

  /** Listens, serves until `stop()`, then shuts down cleanly. `onListening` runs once bound. */
  *run(onListening?: (server: ChatServer) => void): Operation<void> {
    const listener = yield* listen({ host: this.options.host, port: this.options.tcpPort });
    this.listener = listener;
    this.log.info({ host: listener.host, port: listener.port }, "listening for netcat users");
    onListening?.(this);
    const server = this;
    yield* scope(function* (s) {
      s.spawn(server.room.broadcaster(), { name: "broadcaster" });
      const serving = s.spawn(serve(listener, (c) => server.admit(c), { onError: (e, c) => server.log.warn({ err: e, remote: c.peer }, "session failed") }), {
        name: "tcp accept loop",
      });
      yield* server.stopRequested.wait();
      server.log.info({ reason: server.stopReason }, "shutting down");
      listener.close(); // no new connections
      server.room.announceAndClose({ type: "shutdown", reason: server.stopReason });
      try {
        yield* timeout(server.options.shutdownGraceMs ?? 3_000, server.room.allWritersEnded());
      } catch {
        server.log.warn("some clients did not take their last lines in time");
      }
      yield* serving.halt(); // ends every session (they leave the room) and closes sockets
      s.cancelAll("shutdown");
    });
    this.log.info("stopped");
  }

  /** One TCP connection: a polite refusal past the limit, otherwise a netcat session. */
  private *admit(connection: Connection): Operation<void> {
    const log = this.log.child({ conn: this.nextConnectionId++, remote: connection.peer });
    if (this.sessions >= this.options.maxClients) {
      log.warn({ maxClients: this.options.maxClients }, "refused: server full");
      yield* connection.writer.write(textCodec.encode({ type: "error", code: "server-full", text: "the server is full; please try again later" }));
      yield* connection.writer.end();
      return;
    }
    this.sessions++;
    log.info("connected");
    try {
      yield* netcatSession(connection, this.room, this.limits, log);
    } finally {
      this.sessions--;
      log.info("disconnected");
    }
  }
}
