/**
 * "Version #3 of our API server": one thread, coroutines, and select() — here libuv's.
 *
 * Each connection is a task: a line with `n` in, a line with `fib(n)` out; bad input gets an
 * error line and the connection stays open. A small `n` is computed right in the loop. A large
 * `n` would block every other client for seconds (the lecture's warning about cooperative
 * scheduling), so it goes to a worker thread — "How to incorporate threads in the event loop" —
 * and the task parks until the thread answers, while the loop keeps serving everyone else.
 *
 *   npm run example:fib-server -- [--port 25000] [--host 127.0.0.1] [--inline-max 25]
 *   then: nc 127.0.0.1 25000   and type numbers.
 *
 * `--inline-max 99` computes everything in the loop: try `40` from one client and `1` from another.
 */
import { parseArgs } from "node:util";
import {
  LineTooLong,
  listen,
  once,
  race,
  run,
  runInThread,
  serve,
  type Connection,
  type Listener,
  type Operation,
} from "../src/loop/index.js";
import { numberArg, runIfMain, toStdout, type Write } from "./cli.js";
import { fib } from "./fib.js";
import { LINE_TOO_LONG_REPLY, MAX_LINE_BYTES, parseRequest } from "./fib-protocol.js";

// The protocol is shared with the thread and process versions (fib-server-threads.ts, fib-server-processes.ts).
export { MAX_N, parseRequest } from "./fib-protocol.js";

export interface FibOptions {
  /** Largest `n` computed in the loop itself; anything larger runs in a worker thread. */
  inlineMax?: number;
}

const fibModule = new URL("./fib.js", import.meta.url);

/** One connection's task: answer each line until the client leaves. */
export function* handleClient(connection: Connection, options: FibOptions = {}): Operation<void> {
  const inlineMax = options.inlineMax ?? 25;
  const { reader, writer } = connection;
  for (;;) {
    let line: string | null;
    try {
      line = yield* reader.readLine({ maxBytes: MAX_LINE_BYTES });
    } catch (error) {
      if (!(error instanceof LineTooLong)) throw error;
      yield* writer.write(LINE_TOO_LONG_REPLY);
      continue;
    }
    if (line === null) return; // the client closed its side
    if (line.trim() === "") continue;
    const n = parseRequest(line);
    if (n instanceof Error) {
      yield* writer.write(`error: ${n.message}\n`);
      continue;
    }
    const value = n <= inlineMax ? fib(n) : yield* runInThread<number>(fibModule, "fib", n);
    yield* writer.write(`${value}\n`);
  }
}

/** Serves the Fibonacci API on `listener` until cancelled. */
export function* fibServer(listener: Listener, options: FibOptions = {}): Operation<void> {
  yield* serve(listener, (connection) => handleClient(connection, options));
}

/** The program: listen, serve until SIGINT or SIGTERM, then shut down cleanly. */
export function* main(options: FibOptions & { host?: string; port?: number; write?: Write } = {}): Operation<void> {
  const write = options.write ?? toStdout;
  const listener = yield* listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 25000 });
  write(`fib server listening on ${listener.host}:${listener.port} (n <= ${options.inlineMax ?? 25} in the loop, larger in a thread)`);
  // Whichever ends first wins; the others are cancelled (serve closes its connections).
  yield* race([fibServer(listener, options), once(process, "SIGINT"), once(process, "SIGTERM")]);
  write("fib server stopped");
}

runIfMain(import.meta.url, async () => {
  const text = { type: "string" } as const;
  const { values } = parseArgs({ options: { port: text, host: text, "inline-max": text } });
  await run(
    main({
      host: values.host ?? "127.0.0.1",
      port: numberArg(values.port, 25000, "port"),
      inlineMax: numberArg(values["inline-max"], 25, "inline-max"),
    }),
  );
});
