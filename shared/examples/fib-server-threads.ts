/**
 * "Version #1 of our API server (multithreading)": a thread per client.
 *
 * Same protocol as Version #3 (fib-server.ts): a line with `n` in, a line with `fib(n)` out; bad
 * input gets an `error: ...` line and the connection stays open. This one does not use our loop:
 * a plain `node:net` server accepts, and each connection gets its own worker thread
 * (fib-server-threads-worker.ts) that owns the conversation — it splits the lines, checks them and
 * computes. A Node socket cannot be handed to another thread, so the main thread only shuttles
 * bytes: what the client sends goes to its thread, what the thread answers goes to the client.
 * A large `n` blocks only that client's thread. The thread starts when the client connects and
 * is terminated when it disconnects.
 *
 * What the lecture says is wrong with it shows here too: every client costs a whole thread (in
 * Node a V8 isolate: milliseconds to start, megabytes of memory), so the number of clients is
 * bounded by how many threads the machine can hold.
 *
 *   npm run example:fib-threads -- [--port 25000] [--host 127.0.0.1]
 *   then: nc 127.0.0.1 25000   and type numbers.
 */
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import type { Socket } from "node:net";
import { numberArg, runIfMain, toStdout, type Write } from "./cli.js";
import { applyBackpressure, listenPlain, untilStopSignal, type NetServerOptions, type RunningFibServer } from "./fib-net.js";
import type { FromClientThread, ToClientThread } from "./fib-server-threads-worker.js";
import { moduleEntry } from "./module-entry.js";

/** Bytes forwarded to a client's thread and not yet dealt with, beyond which we stop reading that client. */
const MAX_UNPROCESSED_BYTES = 64 * 1024;

export interface ThreadsServerOptions extends NetServerOptions {
  /** Where to report a client thread that crashed (default: nowhere). */
  log?: Write;
}

export interface ThreadsServer extends RunningFibServer {
  /** Worker threads alive now: one per connected client (until its exit is complete). */
  readonly threads: number;
  /** Clients accepted since the start, each of which got a thread. */
  readonly clients: number;
}

const workerEntry = moduleEntry("fib-server-threads-worker");

/** Starts Version #1 and resolves once it listens. */
export async function startThreadsServer(options: ThreadsServerOptions = {}): Promise<ThreadsServer> {
  const log = options.log ?? (() => {});
  const workers = new Set<Worker>();
  let clients = 0;

  const serveClient = (socket: Socket): void => {
    const name = `fib-client-${++clients}`;
    const worker = new Worker(workerEntry.script, { argv: workerEntry.argv, name });
    workers.add(worker);
    let unprocessed = 0;
    let stopping = false;
    const send = (message: ToClientThread) => worker.postMessage(message);
    const flow = () => applyBackpressure(socket, unprocessed > MAX_UNPROCESSED_BYTES || socket.writableNeedDrain);

    // Client -> its thread. Messages posted before the thread has started wait in its port.
    socket.on("data", (chunk: Buffer) => {
      unprocessed += chunk.byteLength;
      send({ kind: "bytes", bytes: chunk });
      flow();
    });
    socket.on("end", () => send({ kind: "end" }));
    socket.on("drain", flow);
    socket.on("error", () => {}); // ECONNRESET and the like: "close" follows
    socket.on("close", () => {
      stopping = true;
      void worker.terminate();
    });

    // Its thread -> client.
    worker.on("message", (message: FromClientThread) => {
      if (socket.destroyed) return;
      switch (message.kind) {
        case "write":
          socket.write(message.text);
          break;
        case "consumed":
          unprocessed -= message.bytes;
          break;
        case "end":
          socket.end();
          break;
      }
      flow();
    });
    worker.on("error", (error: unknown) => {
      log(`${name} crashed: ${error instanceof Error ? error.message : String(error)}`);
    });
    worker.on("exit", () => {
      workers.delete(worker);
      if (!stopping) socket.destroy(); // the thread died on its own: nobody is left to answer
    });
  };

  const listener = await listenPlain(options, serveClient);
  let closing: Promise<void> | null = null;
  return {
    host: listener.host,
    port: listener.port,
    get threads() {
      return workers.size;
    },
    get clients() {
      return clients;
    },
    close() {
      closing ??= (async () => {
        const stopped = listener.close(); // destroys the sockets, whose "close" terminates their threads
        await Promise.all([...workers].map((worker) => worker.terminate()));
        await stopped;
      })();
      return closing;
    },
  };
}

/** The program: listen, serve until SIGINT or SIGTERM, then terminate every thread and exit 0. */
export async function main(options: ThreadsServerOptions & { write?: Write } = {}): Promise<void> {
  const write = options.write ?? toStdout;
  const server = await startThreadsServer({ log: (line) => process.stderr.write(`${line}\n`), ...options });
  write(`fib server (threads) listening on ${server.host}:${server.port} (a worker thread per client)`);
  const signal = await untilStopSignal();
  const alive = server.threads;
  await server.close();
  write(`fib server (threads) stopped by ${signal}: clients served: ${server.clients}, client threads terminated: ${alive}`);
}

runIfMain(import.meta.url, async () => {
  const text = { type: "string" } as const;
  const { values } = parseArgs({ options: { port: text, host: text } });
  await main({ host: values.host ?? "127.0.0.1", port: numberArg(values.port, 25000, "port") });
});
