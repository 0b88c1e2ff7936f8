/**
 * "Version #2 of our API server (multiprocessing)".
 *
 * Same protocol as Version #3 (fib-server.ts): a line with `n` in, a line with `fib(n)` out; bad
 * input gets an `error: ...` line and the connection stays open. This one does not use our loop:
 * the main process serves the connections with a plain, non-blocking `node:net` server and hands
 * every request to a fixed pool of worker processes (fib-server-processes-child.ts, started with
 * `child_process.fork`); the request and its answer travel over the IPC channel. A process takes
 * one request at a time; requests wait for the first free one in a FIFO line. Requests of one
 * connection are answered in order, one after another, as in Version #3.
 *
 * The lecture's complaint about it — "transferring the data to other processes and then receiving
 * the response back is time consuming" — is measured: the pool counts its IPC messages and their
 * bytes, and the time from sending a request to receiving its answer beyond the time the worker
 * spent computing. The program prints them when it stops.
 *
 *   npm run example:fib-processes -- [--port 25000] [--host 127.0.0.1] [--procs <cores>]
 *   then: nc 127.0.0.1 25000   and type numbers.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { numberArg, runIfMain, toStdout, type Write } from "./cli.js";
import { applyBackpressure, listenPlain, untilStopSignal, type NetServerOptions, type RunningFibServer } from "./fib-net.js";
import { fibReply, LineSplitter, readRequest, type Line, type Request } from "./fib-protocol.js";
import type { FibChildMessage, FibJob } from "./fib-server-processes-child.js";
import { moduleEntry } from "./module-entry.js";

/** Requests of one client waiting for their turn, beyond which we stop reading that client. */
const MAX_QUEUED_PER_CLIENT = 64;

export interface ProcessesServerOptions extends NetServerOptions {
  /** How many worker processes (default: the number of cores). */
  procs?: number;
  /** Where to report a worker process that died (default: nowhere). */
  log?: Write;
}

/** What moving the work to other processes cost so far. */
export interface IpcStats {
  /** Requests answered by a worker process. */
  requests: number;
  /** IPC messages both ways: a request and its answer are two. */
  messages: number;
  /** Bytes of those messages on the IPC channels (Node's framing: the message's JSON text and a newline). */
  bytes: number;
  /** Sum over requests of the time from sending the request to receiving its answer, in ms. */
  roundTripMs: number;
  /** Of that, the time the worker processes spent computing, in ms. */
  computeMs: number;
}

export interface ProcessesServer extends RunningFibServer {
  /** The size of the pool. */
  readonly procs: number;
  /** The process ids of the pool's workers now. */
  readonly pids: number[];
  stats(): IpcStats;
}

/** Starts Version #2 with its pool of worker processes and resolves once they are ready and it listens. */
export async function startProcessesServer(options: ProcessesServerOptions = {}): Promise<ProcessesServer> {
  const procs = options.procs ?? availableParallelism();
  if (!Number.isInteger(procs) || procs < 1) throw new RangeError(`procs must be an integer >= 1, got ${procs}`);
  const pool = new ProcessPool(procs, options.log ?? (() => {}));
  try {
    await pool.ready();
    const listener = await listenPlain(options, (socket) => serveClient(socket, pool));
    let closing: Promise<void> | null = null;
    return {
      host: listener.host,
      port: listener.port,
      procs,
      get pids() {
        return pool.pids();
      },
      stats: () => ({ ...pool.stats }),
      close() {
        closing ??= Promise.all([listener.close(), pool.close()]).then(() => undefined);
        return closing;
      },
    };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** One connection: split lines, answer them in order, each fib(n) computed by the pool. */
function serveClient(socket: Socket, pool: ProcessPool): void {
  const splitter = new LineSplitter();
  let queued = 0;
  let turn: Promise<void> = Promise.resolve();
  const flow = () => applyBackpressure(socket, queued > MAX_QUEUED_PER_CLIENT || socket.writableNeedDrain);

  const answer = async (request: Request): Promise<string> => {
    if (request.kind !== "fib") return request.kind === "reply" ? request.text : "";
    try {
      return fibReply(await pool.run(request.n));
    } catch (error) {
      return `error: ${error instanceof Error ? error.message : String(error)}\n`;
    }
  };
  const enqueue = (lines: Line[]) => {
    for (const line of lines) {
      const request = readRequest(line);
      if (request.kind === "skip") continue;
      queued++;
      // Each request waits for the previous one of this client: answers go out in order.
      turn = turn.then(async () => {
        if (!socket.destroyed) {
          const text = await answer(request); // the client may leave meanwhile
          if (!socket.destroyed) socket.write(text);
        }
        queued--;
        flow();
      });
    }
    flow();
  };

  socket.on("data", (chunk: Buffer) => enqueue(splitter.push(chunk)));
  socket.on("end", () => {
    enqueue(splitter.end());
    turn = turn.then(() => {
      if (!socket.destroyed) socket.end();
    });
  });
  socket.on("drain", flow);
  socket.on("error", () => {}); // ECONNRESET and the like: "close" follows
}

interface Job {
  readonly message: FibJob;
  sentAt: number;
  resolve(value: number): void;
  reject(error: Error): void;
}

interface PoolProcess {
  readonly child: ChildProcess;
  /** Resolves when it says it is ready, rejects if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  isReady: boolean;
  job: Job | null;
}

const childEntry = moduleEntry("fib-server-processes-child");

/** Node's IPC "json" serialization writes each message as its JSON text and a newline. */
function ipcBytes(message: FibJob | FibChildMessage): number {
  return Buffer.byteLength(JSON.stringify(message)) + 1;
}

/** A fixed pool of worker processes; each takes the first waiting request whenever it is free. */
class ProcessPool {
  readonly stats: IpcStats = { requests: 0, messages: 0, bytes: 0, roundTripMs: 0, computeMs: 0 };
  private readonly processes = new Set<PoolProcess>();
  private readonly idle: PoolProcess[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly log: Write,
  ) {
    for (let i = 0; i < size; i++) this.start();
  }

  /** Resolves when every process has started (from TypeScript sources that takes a moment). */
  async ready(): Promise<void> {
    await Promise.all([...this.processes].map((p) => p.ready));
  }

  pids(): number[] {
    return [...this.processes].map((p) => p.child.pid ?? -1);
  }

  /** fib(n), computed in one of the worker processes. */
  run(n: number): Promise<number> {
    if (this.closed) return Promise.reject(new Error("the server is shutting down"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ message: { id: this.nextId++, n }, sentAt: 0, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every process (a request being computed is abandoned) and resolves when they have exited. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const error = new Error("the server is shutting down");
      for (const job of this.waiting.splice(0)) job.reject(error);
      for (const p of this.processes) {
        p.job?.reject(error);
        p.job = null;
        p.child.kill("SIGTERM");
      }
    }
    await Promise.all([...this.processes].map((p) => p.exited));
  }

  private start(): void {
    const child = fork(childEntry.script, childEntry.argv, { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let onReady = () => {};
    let onEarlyExit = (_error: Error) => {};
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onEarlyExit = reject;
    });
    ready.catch(() => {}); // observed by ready(), or not at all for a replacement
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const p: PoolProcess = { child, ready, exited, isReady: false, job: null };
    this.processes.add(p);

    child.on("message", (message: FibChildMessage) => {
      if (message.kind === "ready") {
        p.isReady = true;
        onReady();
        this.makeIdle(p);
        return;
      }
      this.stats.messages++;
      this.stats.bytes += ipcBytes(message);
      const job = p.job;
      if (job === null || job.message.id !== message.id) return; // abandoned at shutdown
      p.job = null;
      this.stats.requests++;
      this.stats.roundTripMs += performance.now() - job.sentAt;
      this.stats.computeMs += message.computeMs;
      job.resolve(message.value);
      this.makeIdle(p);
    });
    child.on("error", (error) => this.log(`worker process ${child.pid ?? "?"}: ${error.message}`));
    child.once("exit", (code, signal) => {
      this.processes.delete(p);
      const i = this.idle.indexOf(p);
      if (i >= 0) this.idle.splice(i, 1);
      if (this.closed) return;
      const why = `worker process ${child.pid ?? "?"} exited (${signal ?? `code ${code}`})`;
      this.log(why);
      onEarlyExit(new Error(why));
      p.job?.reject(new Error(`${why} while computing`));
      p.job = null;
      // Replace a process that had worked; one that died before it was ready would die again.
      if (p.isReady) this.start();
      if (this.processes.size === 0) for (const job of this.waiting.splice(0)) job.reject(new Error("no worker process is left"));
    });
  }

  private makeIdle(p: PoolProcess): void {
    if (this.closed) return;
    this.idle.push(p);
    this.dispatch();
  }

  /** Gives waiting requests to free processes, first come first served. */
  private dispatch(): void {
    for (;;) {
      const job = this.waiting[0];
      const p = this.idle[0];
      if (job === undefined || p === undefined) return;
      this.waiting.shift();
      this.idle.shift();
      p.job = job;
      job.sentAt = performance.now();
      this.stats.messages++;
      this.stats.bytes += ipcBytes(job.message);
      p.child.send(job.message);
    }
  }
}

/** The program: start the pool, listen, serve until SIGINT or SIGTERM, stop the pool, exit 0. */
export async function main(options: ProcessesServerOptions & { write?: Write } = {}): Promise<void> {
  const write = options.write ?? toStdout;
  const server = await startProcessesServer({ log: (line) => process.stderr.write(`${line}\n`), ...options });
  write(`fib server (processes) listening on ${server.host}:${server.port} (${server.procs} worker process${server.procs === 1 ? "" : "es"})`);
  const signal = await untilStopSignal();
  await server.close();
  write(`fib server (processes) stopped by ${signal}: ${describeStats(server.stats())}`);
}

/** "requests answered: 12, IPC messages: 24 (610 bytes), time per request: 0.350 ms moving data + 0.020 ms computing" */
export function describeStats(stats: IpcStats): string {
  const perRequest = (ms: number) => (stats.requests === 0 ? 0 : ms / stats.requests).toFixed(3);
  return (
    `requests answered: ${stats.requests}, IPC messages: ${stats.messages} (${stats.bytes} bytes), ` +
    `time per request: ${perRequest(stats.roundTripMs - stats.computeMs)} ms moving data + ${perRequest(stats.computeMs)} ms computing`
  );
}

runIfMain(import.meta.url, async () => {
  const text = { type: "string" } as const;
  const { values } = parseArgs({ options: { port: text, host: text, procs: text } });
  await main({
    host: values.host ?? "127.0.0.1",
    port: numberArg(values.port, 25000, "port"),
    procs: numberArg(values.procs, availableParallelism(), "procs", 1),
  });
});
