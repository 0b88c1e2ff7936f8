import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { Cancelled } from "../errors.js";
import { currentTask } from "../current.js";
import type { Loop } from "../loop.js";
import { RingQueue } from "../ring-queue.js";
import { scope } from "../scope.js";
import { park } from "../park.js";
import type { Operation, Task } from "../task.js";
import { once } from "./once.js";
import { Connection } from "./connection.js";

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port; read it from `listener.port`. */
  port?: number;
  backlog?: number;
}

/**
 * A listening TCP socket. libuv accepts connections; `accept()` parks until one is there
 * (the listening socket's `read_wait`) and hands it over.
 */
export class Listener {
  private readonly accepted = new RingQueue<Socket>();
  /** @internal The task parked in `accept()`. */
  acceptor: Task<unknown> | null = null;
  private release: (() => void) | null;
  closed = false;

  constructor(
    readonly server: Server,
    readonly loop: Loop,
  ) {
    this.release = loop.host.addWaker();
    server.on("connection", (socket: Socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      this.accepted.push(socket);
      this.wakeAcceptor();
    });
    server.on("error", () => {
      // After listening, errors here are per-connection accept failures (e.g. EMFILE); the
      // listener carries on, as libuv does.
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get host(): string {
    return (this.server.address() as AddressInfo).address;
  }

  /** The next accepted connection, or `null` once the listener is closed. */
  *accept(): Operation<Connection | null> {
    for (;;) {
      const socket = this.accepted.shift();
      if (socket !== undefined) return new Connection(socket, this.loop);
      if (this.closed) return null;
      const task = currentTask();
      this.acceptor = task;
      yield park(task, `accept on port ${this.port}`, abortAccept, this);
    }
  }

  /** Stops accepting; connections already handed out are not affected. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let s = this.accepted.shift(); s !== undefined; s = this.accepted.shift()) s.destroy();
    this.server.close();
    this.wakeAcceptor();
    this.release?.();
    this.release = null;
  }

  private wakeAcceptor(): void {
    const task = this.acceptor;
    if (task === null) return;
    this.acceptor = null;
    this.loop.wake(task, undefined);
  }
}

function abortAccept(task: Task<unknown>): void {
  (task.waitData as Listener).acceptor = null;
  task.waitData = undefined;
}

/** Starts listening; parks until the port is bound, throws (e.g. EADDRINUSE) if it cannot be. */
export function* listen(options: ListenOptions = {}): Operation<Listener> {
  const loop = currentTask().loop;
  const host = options.host ?? "127.0.0.1";
  // allowHalfOpen: an EOF from the peer ends only its direction; we may still answer (half-close).
  const server = createServer({ allowHalfOpen: true });
  server.listen({ host, port: options.port ?? 0, backlog: options.backlog ?? 511 });
  yield* once(server, "listening", { waitingOn: `listen on ${host}:${options.port ?? 0}`, onCancel: () => server.close() });
  return new Listener(server, loop);
}

/** Anything `serve` can run an accept loop on: a TCP Listener, the server's WebSocket endpoint. */
export interface Acceptor<C extends AcceptedConnection> {
  /** The next connection, or null once closed. */
  accept(): Operation<C | null>;
  close(): void;
}

export interface AcceptedConnection {
  /** "address:port" of the peer, for names and reports. */
  readonly peer: string;
  /** The peer's IP address alone. */
  readonly address: string;
  close(): void;
}

export interface ServeOptions<C extends AcceptedConnection = Connection> {
  /** Where a connection handler's error goes (default: the loop's logger). The server carries on. */
  onError?: (error: unknown, connection: C) => void;
}

/**
 * The accept loop as a task: each connection runs `handler` in its own child task, and is closed
 * when the handler ends. A failing handler is reported and does not stop the server.
 *
 * Closing the acceptor stops accepting and lets running connections finish; cancelling the task
 * that runs `serve` cancels every connection task (their `finally` blocks run) and closes the
 * acceptor — a clean shutdown.
 */
export function* serve<C extends AcceptedConnection = Connection>(
  acceptor: Acceptor<C>,
  handler: (connection: C) => Operation<void>,
  options: ServeOptions<C> = {},
): Operation<void> {
  const loop = currentTask().loop;
  const onError = options.onError ?? ((error: unknown, c: C) => loop.reportError(error, `connection ${c.peer} failed`));
  try {
    yield* scope(function* (s) {
      for (;;) {
        const connection = yield* acceptor.accept();
        if (connection === null) return; // closed: the scope waits for the connections still open
        s.spawn(runConnection(connection, handler, onError), { name: `connection ${connection.peer}` });
      }
    });
  } finally {
    acceptor.close();
  }
}

function* runConnection<C extends AcceptedConnection>(
  connection: C,
  handler: (connection: C) => Operation<void>,
  onError: (error: unknown, connection: C) => void,
): Operation<void> {
  try {
    yield* handler(connection);
  } catch (error) {
    if (error instanceof Cancelled && error.task === currentTask()) throw error; // shutdown, not a failure
    onError(error, connection);
  } finally {
    connection.close();
  }
}
