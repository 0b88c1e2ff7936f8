/**
 * One client's thread in Version #1 (fib-server-threads.ts): it owns the conversation. The
 * socket cannot move to a worker thread, so the main thread forwards the bytes the client sends
 * and writes back what this thread answers; everything else happens here: splitting lines,
 * checking them, computing fib(n). A large `n` blocks this thread only, i.e. only its client.
 */
import { parentPort } from "node:worker_threads";
import { fib } from "./fib.js";
import { fibReply, LineSplitter, readRequest, type Line } from "./fib-protocol.js";

/** From the main thread: bytes the client sent, or the news that it closed its sending side. */
export type ToClientThread = { kind: "bytes"; bytes: Uint8Array } | { kind: "end" };

/**
 * To the main thread: a line to write to the client; how many forwarded bytes are dealt with (so
 * the main thread can bound what it forwards); or "done, close our side" after an `end`.
 */
export type FromClientThread = { kind: "write"; text: string } | { kind: "consumed"; bytes: number } | { kind: "end" };

if (parentPort === null) throw new Error("fib-server-threads-worker is the entry of a worker thread; start it with new Worker()");
const port = parentPort;
const splitter = new LineSplitter();

function send(message: FromClientThread): void {
  port.postMessage(message);
}

/** Answers each line as soon as it is computed, in order. */
function answer(lines: Line[]): void {
  for (const line of lines) {
    const request = readRequest(line);
    if (request.kind === "skip") continue;
    send({ kind: "write", text: request.kind === "reply" ? request.text : fibReply(fib(request.n)) });
  }
}

port.on("message", (message: ToClientThread) => {
  if (message.kind === "bytes") {
    answer(splitter.push(message.bytes));
    send({ kind: "consumed", bytes: message.bytes.byteLength });
  } else {
    answer(splitter.end());
    send({ kind: "end" });
  }
});
