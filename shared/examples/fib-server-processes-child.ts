/**
 * A worker process of Version #2 (fib-server-processes.ts): it receives requests from the server
 * over the IPC channel, computes fib(n) and sends the answer back the same way. One at a time:
 * the server gives a process its next request only after it has answered the previous one.
 */
import { performance } from "node:perf_hooks";
import { fib } from "./fib.js";

/** Server -> worker process. */
export interface FibJob {
  id: number;
  n: number;
}

/** Worker process -> server: "ready for work", or an answer with the time it took to compute. */
export type FibChildMessage = { kind: "ready" } | { kind: "answer"; id: number; value: number; computeMs: number };

if (process.send === undefined) throw new Error("fib-server-processes-child is started by the server with child_process.fork()");
const send = process.send.bind(process);
const reply = (message: FibChildMessage): void => {
  send(message);
};

// Ctrl-C in a terminal signals the whole process group; the server decides when its pool stops.
process.on("SIGINT", () => {});

process.on("message", (job: FibJob) => {
  const start = performance.now();
  const value = fib(job.n);
  reply({ kind: "answer", id: job.id, value, computeMs: performance.now() - start });
});

// When the server goes away the IPC channel closes, nothing is left to wait for, and we exit.
reply({ kind: "ready" });
