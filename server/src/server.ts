import type { Logger } from "pino";
import {
  currentTask,
  DurationHistogram,
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
import { encodeServerEvent, type ErrorEvent } from "../../shared/src/protocol/index.js";
import type { WsConnection } from "../../shared/src/ws/index.js";
import { HttpEndpoint, listenHttp } from "./ws/http-endpoint.js";
import { wsSession, type WsLimits } from "./ws/session.js";
import { netcatSession } from "./netcat/session.js";
import { textCodec } from "./netcat/text-codec.js";
import { ReservedNames } from "./room/reserved-names.js";
import { Room } from "./room/room.js";
import { DEFAULT_LIMITS, type SessionCounter, type SessionLimits } from "./session/limits.js";
import { SessionLog } from "./session/log.js";
import { NAME_MAX_LENGTH } from "./text/index.js";
import { renderMetrics } from "./metrics.js";
import { AddressLimit } from "./address-limit.js";
import { AddressBudget, type AddressAllowance } from "./address-budget.js";

export interface ChatServerOptions {
  host: string;
  tcpPort: number;
  /** The HTTP port: WebSocket at /ws and GET /healthz (0 = any free port). */
  wsPort: number;
  /** WebSocket keepalive: a ping this often; no pong by the next one drops the peer. */
  keepaliveMs?: number;
  historySize: number;
  maxClients: number;
  /** Open connections per client address (IPv6: per /64); 0 = no limit (default 16). */
  maxPerAddress?: number;
  /** Addresses the per-address limit does not apply to (default loopback: 127.0.0.1, ::1). */
  exemptAddresses?: string[];
  /** Lines per second per user, bursts of twice that (default 5); 0 turns the limit off. */
  rateLimit?: number;
  /** Lines per second per client address over all its connections, bursts of twice that (default 20); 0 = off. */
  addressRateLimit?: number;
  /** New connections per minute per client address (default 30); 0 = off. */
  connectsPerMinute?: number;
  /** Broadcast "x joined" / "x left" (default true). */
  joinNotices?: boolean;
  limits?: Partial<SessionLimits>;
  /** How long a shutdown waits for outboxes to flush before it closes the sockets. */
  shutdownGraceMs?: number;
  /** Names (and their look-alikes) only a WebSocket join with `reservedKey` may take (default none). */
  reservedNames?: string[];
  /** The key that grants `reservedNames`; null or absent: nobody may take them. */
  reservedKey?: string | null;
}

/** A WebSocket frame larger than this closes the connection with 1009. */
const MAX_FRAME_BYTES = 64 * 1024;
/** A JSON command larger than this gets a "too-large" error (the connection stays). */
const MAX_COMMAND_BYTES = 16 * 1024;
const SERVER_FULL: ErrorEvent = { type: "error", code: "server-full", text: "the server is full; please try again later" };
const TOO_MANY: ErrorEvent = { type: "error", code: "too-many-connections", text: "too many connections from your address; close one and try again" };

function throttled(retryInS: number): ErrorEvent {
  return { type: "error", code: "throttled", text: `too many new connections from your address; try again in ${retryInS} s` };
}

function* refuseTcp(connection: Connection, refusal: ErrorEvent): Operation<void> {
  yield* connection.writer.write(textCodec.encode(refusal));
  yield* connection.writer.end();
}

/**
 * The chat server: one room, its broadcaster task, and the netcat listener with a task per
 * connection. `run()` serves until `stop()`, then says goodbye to everyone and shuts down.
 */
export class ChatServer implements SessionCounter {
  readonly room: Room;
  readonly limits: SessionLimits;
  private listener: Listener | null = null;
  private http: HttpEndpoint | null = null;
  private readonly startedAt = Date.now();
  private readonly stopRequested = new Event();
  private stopReason = "shutdown";
  private sessions = 0;
  private readonly byTransport = { tcp: 0, ws: 0 };
  private readonly perAddress: AddressLimit;
  private readonly budget: AddressBudget;
  private nextConnectionId = 1;
  /** Connections refused, by reason ("server-full", "too-many-connections", "wrong-protocol"). */
  private readonly refused = new Map<string, number>();

  constructor(
    readonly options: ChatServerOptions,
    readonly log: Logger,
  ) {
    const rate = options.rateLimit === undefined ? {} : { linesPerSecond: options.rateLimit, burst: 2 * options.rateLimit };
    this.limits = { ...DEFAULT_LIMITS, ...rate, ...options.limits };
    const exempt = options.exemptAddresses ?? ["127.0.0.1", "::1"];
    this.perAddress = new AddressLimit(options.maxPerAddress ?? 16, exempt);
    this.budget = new AddressBudget(
      { linesPerSecond: options.addressRateLimit ?? 20, connectsPerMinute: options.connectsPerMinute ?? 30 },
      exempt,
    );
    const { maxLineBytes, linesPerSecond, burst } = this.limits;
    this.room = new Room({
      historySize: options.historySize,
      joinNotices: options.joinNotices ?? true,
      limits: { maxLineBytes, linesPerSecond, burst, maxNameLength: NAME_MAX_LENGTH },
      reserved: new ReservedNames(options.reservedNames, options.reservedKey),
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
      http = yield* listenHttp({ host: this.options.host, port: this.options.wsPort, maxFrameBytes: MAX_FRAME_BYTES, maxQueuedFrames: this.limits.maxBacklog + 1, health: () => this.healthOn(loop), metrics: () => this.metricsOn(loop), loop: (tree) => (tree ? loop.dump() : loop.snapshot()) });
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
        yield* timeout(server.options.shutdownGraceMs ?? 3_000, server.room.outboxesDone());
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
   * One TCP connection: a polite refusal past the limits, otherwise a netcat session (which counts
   * itself). A plain function returning the session, not a generator wrapping it (see "Why parks
   * cost no frame" in shared/README.md).
   */
  private admitTcp(connection: Connection): Operation<void> {
    const log = new SessionLog(this.log, { conn: this.nextConnectionId++, transport: "tcp", remote: connection.peer });
    const allowance = this.budget.allowanceFor(connection.address, currentTask().loop.clock.now());
    const refusal = this.refusal(log, connection.address, allowance);
    if (refusal !== null) return refuseTcp(connection, refusal);
    return netcatSession(connection, this.room, this.limits, log, this, allowance, this.wsPort);
  }

  /** One WebSocket connection: the same limits, counted together with TCP. */
  private *admitWebSocket(connection: WsConnection): Operation<void> {
    const log = new SessionLog(this.log, { conn: this.nextConnectionId++, transport: "ws", remote: connection.peer });
    try {
      const allowance = this.budget.allowanceFor(connection.address, currentTask().loop.clock.now());
      const refusal = this.refusal(log, connection.address, allowance);
      if (refusal !== null) {
        yield* connection.write(encodeServerEvent(refusal));
        connection.close(1013, refusal === SERVER_FULL ? "server full" : "too many connections");
        return;
      }
      const ws: WsLimits = { keepaliveMs: this.options.keepaliveMs ?? 30_000, maxCommandBytes: MAX_COMMAND_BYTES };
      this.opened(log, "ws", connection.address, allowance);
      try {
        yield* wsSession(connection, this.room, this.limits, ws, log, allowance);
      } finally {
        this.closed(log, "ws", connection.address, allowance);
      }
    } finally {
      connection.terminate(); // not only close(): a peer that never answers the closing handshake must not keep its socket
    }
  }

  /**
   * Why a new connection must be refused, or null to admit it. Checked in the same step as the
   * session's `opened`, so a burst of connections cannot all slip past the count.
   */
  private refusal(log: SessionLog, address: string, allowance: AddressAllowance): ErrorEvent | null {
    if (this.sessions >= this.options.maxClients) {
      log.warn({ maxClients: this.options.maxClients }, "refused: server full");
      return this.refuse(SERVER_FULL);
    }
    if (this.perAddress.wouldExceed(address)) {
      log.warn({ maxPerAddress: this.perAddress.max }, "refused: too many connections from this address");
      return this.refuse(TOO_MANY);
    }
    const retryInS = allowance.connect(currentTask().loop.clock.now());
    if (retryInS > 0) {
      log.warn({ retryInS }, "refused: too many new connections from this address");
      return this.refuse(throttled(retryInS));
    }
    return null;
  }

  private refuse(refusal: ErrorEvent): ErrorEvent {
    this.turnedAway(refusal.code);
    return refusal;
  }

  turnedAway(reason: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  /** A session starts: counted against maxClients and its address's limits. */
  opened(log: SessionLog, transport: "tcp" | "ws", address: string, allowance: AddressAllowance): void {
    this.sessions++;
    this.byTransport[transport]++;
    this.perAddress.opened(address);
    allowance.sessions++;
    log.info("connected");
  }

  /** A session has ended (call from its `finally`). */
  closed(log: SessionLog, transport: "tcp" | "ws", address: string, allowance: AddressAllowance): void {
    this.sessions--;
    this.byTransport[transport]--;
    this.perAddress.closed(address);
    allowance.sessions--;
    log.info("disconnected");
  }

  private metricsOn(loop: Loop): string {
    const { messagesIn, deliveries, drops, outboxHighWater } = this.room.counters;
    const { rss, heapUsed } = process.memoryUsage();
    return renderMetrics({
      members: this.room.online,
      connections: { ...this.byTransport },
      refused: this.refused,
      messagesIn,
      deliveries,
      drops,
      outboxHighWater,
      address: { ...this.budget.counts, tracked: this.budget.size },
      loop: loop.stats,
      // Empty histograms for a loop run without metrics (the server's own loop always has them).
      stepTimes: loop.metrics?.stepTimes ?? new DurationHistogram(),
      turnTimes: loop.metrics?.turnTimes ?? new DurationHistogram(),
      memory: { rss, heapUsed },
    });
  }

  private healthOn(loop: Loop): object {
    return {
      status: "ok",
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      members: this.room.online,
      connections: this.sessions,
      loop: { ...loop.stats, hostWait: loop.waitingFor },
    };
  }
}
