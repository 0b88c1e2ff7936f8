/**
 * The benchmark's client of the Fibonacci protocol (plain `node:net`): a line with n out, a line
 * with fib(n) back, matched in order. Every answer is checked against fib(n) computed here, and
 * every wait has a deadline, so a server that stops answering costs us a bounded time, never a
 * hang. It connects through bench/common's openSocket but reads its answers itself: in (2) this
 * process is often the limit, and bench/common's LineClient, with its per-line bookkeeping
 * (watchers, waiters, kept lines), would cost it about a quarter of the small requests per second.
 */
import type { Socket } from "node:net";
import { openSocket } from "../common/line-client.js";

/** fib(0..42), iteratively: what every answer must say. */
const FIB: readonly number[] = (() => {
  const table = [0, 1];
  for (let n = 2; n <= 42; n++) table.push((table[n - 1] as number) + (table[n - 2] as number));
  return table;
})();

export class ClientError extends Error {
  constructor(
    readonly reason: "timeout" | "closed" | "connect",
    message: string,
  ) {
    super(message);
  }
}

export interface Answer {
  /** From writing the request to reading the whole answer line, ms. */
  ms: number;
  /** The answer is fib(n). */
  correct: boolean;
  line: string;
}

interface Waiter {
  n: number;
  sentAt: number;
  /** Still wanted: a waiter that timed out keeps its place so later answers stay matched. */
  live: boolean;
  resolve(answer: Answer): void;
  reject(error: ClientError): void;
  timer: NodeJS.Timeout;
}

export class FibClient {
  private buffer = "";
  private readonly waiting: Waiter[] = [];
  private closedByUs = false;
  /** Set when the connection ended without us asking. */
  closedByServer = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.setNoDelay(true);
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.once("close", () => {
      if (!this.closedByUs) this.closedByServer = true;
      for (const waiter of this.waiting.splice(0)) {
        clearTimeout(waiter.timer);
        if (waiter.live) waiter.reject(new ClientError("closed", "the server closed the connection"));
      }
    });
  }

  /** Connects within `timeoutMs`, or rejects with a ClientError("connect"). */
  static open(host: string, port: number, timeoutMs: number): Promise<FibClient> {
    return openSocket(port, { host, timeoutMs }).then(
      (socket) => new FibClient(socket),
      (error: NodeJS.ErrnoException) => {
        throw new ClientError("connect", error.code ?? error.message);
      },
    );
  }

  get open(): boolean {
    return !this.socket.destroyed && !this.closedByServer;
  }

  /** Sends n and waits at most `timeoutMs` for its answer. */
  ask(n: number, timeoutMs: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      if (!this.open) {
        reject(new ClientError("closed", "the connection is closed"));
        return;
      }
      const waiter: Waiter = {
        n,
        sentAt: performance.now(),
        live: true,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiter.live = false;
          reject(new ClientError("timeout", `no answer to ${n} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiting.push(waiter);
      this.socket.write(`${n}\n`);
    });
  }

  /** Age of the oldest request still waiting for its answer (ms), or 0. */
  oldestPendingMs(now = performance.now()): number {
    const first = this.waiting.find((w) => w.live);
    return first === undefined ? 0 : now - first.sentAt;
  }

  destroy(): void {
    this.closedByUs = true;
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let newline = this.buffer.indexOf("\n"); newline >= 0; newline = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      const waiter = this.waiting.shift();
      if (waiter === undefined) continue; // an answer nobody asked for: ignore
      clearTimeout(waiter.timer);
      if (waiter.live) waiter.resolve({ ms: performance.now() - waiter.sentAt, correct: line === String(FIB[waiter.n]), line });
    }
  }
}

/** Opens `count` connections at once; resolves with those that connected and the first error. */
export async function openMany(host: string, port: number, count: number, timeoutMs: number): Promise<{ clients: FibClient[]; error: ClientError | null }> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => FibClient.open(host, port, timeoutMs)));
  const clients: FibClient[] = [];
  let error: ClientError | null = null;
  for (const result of results) {
    if (result.status === "fulfilled") clients.push(result.value);
    else error ??= result.reason instanceof ClientError ? result.reason : new ClientError("connect", String(result.reason));
  }
  return { clients, error };
}
