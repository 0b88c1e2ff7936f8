/**
 * What the two plain-Node Fibonacci servers share (Version #1, threads: fib-server-threads.ts;
 * Version #2, processes: fib-server-processes.ts): a `node:net` server that keeps track of its
 * connections, the handle the programs and tests get back, and waiting for SIGINT or SIGTERM.
 * Neither uses our loop: they are the baselines the lecture starts from.
 */
import { once } from "node:events";
import { createServer, type AddressInfo, type Socket } from "node:net";

export interface NetServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port; read it from the handle. */
  port?: number;
}

/** A running server, as the programs and the tests see it. */
export interface RunningFibServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, drops every connection, stops the server's threads or processes. */
  close(): Promise<void>;
}

/** A listening `node:net` server; `close` also destroys the connections still open. */
export interface NetListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens and hands every connection to `onConnection`. Sockets are half-open capable: a client
 * that shuts down its sending side (`nc -N`, a file piped in) still gets the answers it asked
 * for; the connection handler ends our side when it is done.
 */
export async function listenPlain(options: NetServerOptions, onConnection: (socket: Socket) => void): Promise<NetListener> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  server.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  await once(server, "listening"); // rejects on "error" (EADDRINUSE...)
  server.on("error", () => {
    // After listening, errors here are accept failures (EMFILE...); the server carries on.
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    host: address.address,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve()); // called once every connection is gone
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Resolves with the first SIGINT or SIGTERM the process receives. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Pauses reading a client when `overloaded`, resumes when it is not: bounds what one client can make us buffer. */
export function applyBackpressure(socket: Socket, overloaded: boolean): void {
  if (overloaded && !socket.isPaused()) socket.pause();
  else if (!overloaded && socket.isPaused()) socket.resume();
}
