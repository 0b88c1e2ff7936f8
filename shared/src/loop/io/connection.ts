import { connect as netConnect, type Socket } from "node:net";
import { currentTask } from "../current.js";
import type { Loop } from "../loop.js";
import type { Operation } from "../task.js";
import { once } from "./once.js";
import { describePeer, SocketWatch } from "./socket-watch.js";
import { StreamReader } from "./stream-reader.js";
import { StreamWriter } from "./stream-writer.js";

/** A TCP connection driven by the loop: a reader, a writer, and `close()`. */
export class Connection {
  readonly watch: SocketWatch;
  readonly reader: StreamReader;
  readonly writer: StreamWriter;
  /** "address:port" of the peer, kept after the socket closes (for logs). */
  readonly peer: string;
  /** The peer's IP address alone (e.g. for per-address limits), kept after the socket closes. */
  readonly address: string;

  constructor(
    readonly socket: Socket,
    loop: Loop,
  ) {
    this.watch = new SocketWatch(socket, loop);
    this.reader = new StreamReader(this.watch);
    this.writer = new StreamWriter(this.watch);
    this.peer = describePeer(socket);
    this.address = socket.remoteAddress ?? "";
  }

  get closed(): boolean {
    return this.watch.closed;
  }

  /** Closes both directions at once, dropping unsent bytes. Idempotent. */
  close(): void {
    this.socket.destroy();
  }
}

export interface ConnectOptions {
  host?: string;
  port: number;
}

/** Opens a TCP connection; parks until it is established, throws if it cannot be. */
export function* connect(options: ConnectOptions): Operation<Connection> {
  const loop = currentTask().loop;
  const host = options.host ?? "127.0.0.1";
  const socket = netConnect({ host, port: options.port, allowHalfOpen: true });
  try {
    yield* once(socket, "connect", { waitingOn: `connect ${host}:${options.port}` });
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return new Connection(socket, loop);
}
