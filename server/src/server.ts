import type { Logger } from "pino";
import {
  currentTask,
  Event,
  listen,
  scope,
  serve,
  timeout,
  type Connection,
  type Listener,
  type Loop,
  type Operation,
} from "../../shared/src/loop/index.js";
import { encodeServerEvent } from "../../shared/src/protocol/index.js";
import type { WsConnection } from "../../shared/src/ws/index.js";
import { HttpEndpoint, listenHttp } from "./ws/http-endpoint.js";
import { wsSession, type WsLimits } from "./ws/session.js";
import { netcatSession, type SessionLimits } from "./netcat/session.js";
import { textCodec } from "./netcat/text-codec.js";
import { Room } from "./room/room.js";
import { NAME_MAX_LENGTH } from "./text/index.js";
import { SessionLog } from "./session-log.js";
import { renderMetrics } from "./metrics.js";

export interface ChatServerOptions {
  host: string;
  tcpPort: number;
  /** The HTTP port: WebSocket at /ws and GET /healthz (0 = any free port). */
  wsPort: number;
  /** WebSocket keepalive: a ping this often; no pong by the next one drops the peer. */
  keepaliveMs?: number;
  historySize: number;
  maxClients: number;
  /** Lines per second per user, bursts of twice that (default 5); 0 turns the limit off. */
  rateLimit?: number;
  /** Broadcast "x joined" / "x left" (default true). */
  joinNotices?: boolean;
  limits?: Partial<SessionLimits>;
  /** How long a shutdown waits for outboxes to flush before it closes the sockets. */
  shutdownGraceMs?: number;
}

/** A WebSocket frame larger than this closes the connection with 1009. */
const MAX_FRAME_BYTES = 64 * 1024;
/** A JSON command larger than this gets a "too-large" error (the connection stays). */
const MAX_COMMAND_BYTES = 16 * 1024;
const SERVER_FULL = { type: "error", code: "server-full", text: "the server is full; please try again later" } as const;

function* refuseTcp(connection: Connection): Operation<void> {
  yield* connection.writer.write(textCodec.encode(SERVER_FULL));
  yield* connection.writer.end();
}

export const DEFAULT_LIMITS: SessionLimits = {
  maxLineBytes: 1024,
  nameTimeoutMs: 60_000,
  linesPerSecond: 5,
  burst: 10,
  maxBacklog: 200,
  // Bytes are the real bound; the line count only caps bookkeeping for floods of tiny lines.
  outbox: { maxLines: 10_000, maxBytes: 1024 * 1024 },
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
  private http: HttpEndpoint | null = null;
  private readonly startedAt = Date.now();
  private readonly stopRequested = new Event();
  private stopReason = "shutdown";
  private sessions = 0;
  private readonly byTransport = { tcp: 0, ws: 0 };
  private nextConnectionId = 1;

  constructor(
    readonly options: ChatServerOptions,
    readonly log: Logger,
  ) {
    const rate = options.rateLimit === undefined ? {} : { linesPerSecond: options.rateLimit, burst: 2 * options.rateLimit };
    this.limits = { ...DEFAULT_LIMITS, ...rate, ...options.limits };
    const { maxLineBytes, linesPerSecond, burst } = this.limits;
    this.room = new Room({
      historySize: options.historySize,
      joinNotices: options.joinNotices ?? true,
      limits: { maxLineBytes, linesPerSecond, burst, maxNameLength: NAME_MAX_LENGTH },
    });
  }

  /** The bound TCP port (after `run()` has started listening). */
  get tcpPort(): number {
    if (this.listener === null) throw new Error("the server is not listening yet");
    return this.listener.port;
  }

  /** The bound HTTP/WebSocket port (after `run()` has started listening). */
  get wsPort(): number {
    if (this.http === null) throw new Error("the server is not listening yet");
    return this.http.port;
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
    const loop = currentTask().loop;
    let http: HttpEndpoint;
    try {
      http = yield* listenHttp({ host: this.options.host, port: this.options.wsPort, maxFrameBytes: MAX_FRAME_BYTES, health: () => this.healthOn(loop), metrics: () => this.metricsOn(loop) });
    } catch (error) {
      listener.close();
      throw error;
    }
    this.http = http;
    this.log.info({ host: listener.host, port: listener.port }, "listening for netcat users");
    this.log.info({ host: this.options.host, port: http.port }, "listening for WebSocket users on /ws (and /healthz)");
    onListening?.(this);
    const server = this;
    yield* scope(function* (s) {
      s.spawn(server.room.broadcaster(), { name: "broadcaster" });
      const onError = (error: unknown, c: { peer: string }): void => server.log.warn({ err: error, remote: c.peer }, "session failed");
      const tcp = s.spawn(serve(listener, (c) => server.admitTcp(c), { onError }), { name: "tcp accept loop" });
      const ws = s.spawn(serve(http, (c) => server.admitWebSocket(c), { onError }), { name: "websocket accept loop" });
      yield* server.stopRequested.wait();
      server.log.info({ reason: server.stopReason }, "shutting down");
      listener.close(); // no new connections
      http.close();
      server.room.announceAndClose({ type: "shutdown", reason: server.stopReason });
      try {
        yield* timeout(server.options.shutdownGraceMs ?? 3_000, server.room.allWritersEnded());
      } catch {
        server.log.warn("some clients did not take their last lines in time");
      }
      yield* tcp.halt(); // ends every session (they leave the room) and closes sockets
      yield* ws.halt();
      s.cancelAll("shutdown");
    });
    this.log.info("stopped");
  }

  /**
   * One TCP connection: a polite refusal past the limit, otherwise a netcat session (which counts
   * itself). A plain function returning the session, not a generator wrapping it: a wrapper would
   * stay parked with it, a frame per idle connection.
   */
  private admitTcp(connection: Connection): Operation<void> {
    const log = new SessionLog(this.log, { conn: this.nextConnectionId++, transport: "tcp", remote: connection.peer });
    if (this.full(log)) return refuseTcp(connection);
    return netcatSession(connection, this.room, this.limits, log, this);
  }

  /** One WebSocket connection: the same limits, counted together with TCP. */
  private *admitWebSocket(connection: WsConnection): Operation<void> {
    const log = new SessionLog(this.log, { conn: this.nextConnectionId++, transport: "ws", remote: connection.peer });
    try {
      if (this.full(log)) {
        yield* connection.send(encodeServerEvent(SERVER_FULL));
        connection.close(1013, "server full");
        return;
      }
      const ws: WsLimits = { keepaliveMs: this.options.keepaliveMs ?? 30_000, maxCommandBytes: MAX_COMMAND_BYTES };
      this.opened(log, "ws");
      try {
        yield* wsSession(connection, this.room, this.limits, ws, log);
      } finally {
        this.closed(log, "ws");
      }
    } finally {
      connection.terminate(); // not only close(): a peer that never answers the closing handshake must not keep its socket
    }
  }

  private full(log: SessionLog): boolean {
    if (this.sessions < this.options.maxClients) return false;
    log.warn({ maxClients: this.options.maxClients }, "refused: server full");
    return true;
  }

  /** A session starts: counted against maxClients. */
  opened(log: SessionLog, transport: "tcp" | "ws"): void {
    this.sessions++;
    this.byTransport[transport]++;
    log.info("connected");
  }

  /** A session has ended (call from its `finally`). */
  closed(log: SessionLog, transport: "tcp" | "ws"): void {
    this.sessions--;
    this.byTransport[transport]--;
    log.info("disconnected");
  }

  private metricsOn(loop: Loop): string {
    const { messagesIn, deliveries, drops, outboxHighWater } = this.room.counters;
    return renderMetrics({ members: this.room.online, connections: { ...this.byTransport }, messagesIn, deliveries, drops, outboxHighWater, loop: loop.stats });
  }

  private healthOn(loop: Loop): object {
    return {
      status: "ok",
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      members: this.room.online,
      connections: this.sessions,
      loop: { ...loop.stats, hostWait: loop.hostWait },
    };
  }
}
