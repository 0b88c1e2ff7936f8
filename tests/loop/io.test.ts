import { connect as netConnect, createServer, type AddressInfo, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import {
  Cancelled,
  LineTooLong,
  Loop,
  Queue,
  connect,
  listen,
  run,
  serve,
  sleep,
  spawn,
  type Connection,
  type Operation,
} from "../../shared/src/loop/index.js";
import { eventually, Waiters } from "../helpers/waiters.js";

/** A raw Node client (outside our loop), to drive the server side exactly. */
function rawClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

function receiveAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.on("error", reject);
  });
}

/** Runs a loop whose main task serves `handler`; returns the port and a way to stop it. */
async function startServer(
  handler: (c: Connection) => Operation<void>,
  onError?: (e: unknown) => void,
): Promise<{ port: number; loop: Loop; stop: () => Promise<void> }> {
  const loop = new Loop();
  let resolvePort: (port: number) => void = () => {};
  const portKnown = new Promise<number>((r) => (resolvePort = r));
  const stopper = new Queue<null>();
  const finished = loop.run(function* () {
    const listener = yield* listen({ host: "127.0.0.1", port: 0 });
    resolvePort(listener.port);
    const server = spawn(serve(listener, handler, onError ? { onError: (e) => onError(e) } : {}), { name: "server" });
    yield* stopper.get();
    yield* server.halt();
  });
  const port = await portKnown;
  return {
    port,
    loop,
    stop: async () => {
      stopper.tryPut(null);
      await finished;
    },
  };
}

function* echoLines(c: Connection): Operation<void> {
  for (;;) {
    const line = yield* c.reader.readLine({ maxBytes: 16 });
    if (line === null) break;
    yield* c.writer.write(`echo:${line}\n`);
  }
  yield* c.writer.end();
}

describe("readLine over a real socket", () => {
  it("splits LF and CRLF lines, whatever the chunking, and returns null at EOF", async () => {
    const server = await startServer(echoLines);
    try {
      const client = await rawClient(server.port);
      const received = receiveAll(client);
      // One byte stream, cut into awkward pieces: across CR/LF and inside multi-byte characters.
      const bytes = Buffer.from("héllo\r\nworld\n\nlast 😀 line", "utf8");
      for (let i = 0; i < bytes.length; i += 3) {
        client.write(bytes.subarray(i, i + 3));
        await new Promise((r) => setImmediate(r)); // let each piece travel on its own
      }
      client.end();
      expect(await received).toBe("echo:héllo\necho:world\necho:\necho:last 😀 line\n");
    } finally {
      await server.stop();
    }
  });

  it("an over-long line is a clear error, and the stream stays usable for the next line", async () => {
    const outcomes: string[] = [];
    const server = await startServer(function* (c) {
      for (;;) {
        try {
          const line = yield* c.reader.readLine({ maxBytes: 8 });
          if (line === null) break;
          outcomes.push(`line ${line}`);
          yield* c.writer.write(`ok ${line}\n`);
        } catch (e) {
          if (!(e instanceof LineTooLong)) throw e;
          outcomes.push(`too long (max ${e.maxBytes})`);
          yield* c.writer.write("error: line too long\n");
        }
      }
      yield* c.writer.end();
    });
    try {
      const client = await rawClient(server.port);
      const received = receiveAll(client);
      client.write("short\n");
      client.write("x".repeat(100_000)); // no newline yet: the error must not wait for one
      client.write("\r\nafter\r\n12345678\r\n");
      client.end();
      expect(await received).toBe("ok short\nerror: line too long\nok after\nok 12345678\n");
      expect(outcomes).toEqual(["line short", "too long (max 8)", "line after", "line 12345678"]);
    } finally {
      await server.stop();
    }
  });
});

describe("writing with backpressure", () => {
  it("a writer to a client that does not read parks on drain with bounded buffering, then delivers everything in order", async () => {
    const total = 4_000;
    const line = "x".repeat(1_000);
    let maxBuffered = 0;
    const server = await startServer(function* (c) {
      for (let i = 0; i < total; i++) {
        yield* c.writer.write(`${String(i).padStart(6, "0")} ${line}\n`);
        maxBuffered = Math.max(maxBuffered, c.writer.buffered);
      }
      yield* c.writer.end();
    });
    try {
      const client = await rawClient(server.port);
      client.pause(); // a slow consumer: reads nothing for now
      // Wait until the server's writer task is parked waiting for the socket to drain (a state
      // inside the loop that nothing announces: polled).
      await eventually(() => server.loop.tasks().some((t) => t.waitingOn.startsWith("socket drain")), "the writer to park on socket drain", { seen: () => server.loop.dump() });
      const received = receiveAll(client);
      client.resume();
      const text = await received;
      const lines = text.split("\n").filter(Boolean);
      expect(lines).toHaveLength(total);
      expect(lines.every((l, i) => l.startsWith(String(i).padStart(6, "0")))).toBe(true);
      // The socket's own buffer never held more than about one high-water mark plus one write.
      expect(maxBuffered).toBeLessThan(64 * 1024);
    } finally {
      await server.stop();
    }
  });
  it("tryRead never waits, and `yield reader.readWait()` parks in the caller's own frame until bytes or EOF", async () => {
    const seen: (string | null | undefined)[] = [];
    const looked = new Waiters(() => JSON.stringify(seen));
    const server = await startServer(function* (c) {
      seen.push(c.reader.tryRead()?.toString()); // nothing sent yet
      looked.notify();
      for (;;) {
        const chunk = c.reader.tryRead();
        if (chunk === undefined) {
          yield c.reader.readWait();
          continue;
        }
        seen.push(chunk === null ? null : chunk.toString());
        if (chunk === null) break;
      }
      yield* c.writer.end();
    });
    try {
      const client = await rawClient(server.port);
      const closed = receiveAll(client);
      await looked.until(() => seen.length > 0, "the server to look, before anything is sent");
      client.end("ping");
      await closed;
      expect(seen[0]).toBeUndefined();
      expect(seen.slice(1)).toEqual(["ping", null]);
    } finally {
      await server.stop();
    }
  });

  it("tryWrite sends at once on an idle socket and refuses while the socket still holds unsent bytes", async () => {
    const results: boolean[] = [];
    const filled = new Waiters(() => JSON.stringify(results));
    const server = await startServer(function* (c) {
      results.push(c.writer.tryWrite("first\n")); // idle: goes straight out
      // Fill the socket until the kernel takes no more and Node holds the rest (the client reads nothing).
      for (let i = 0; i < 10_000 && c.writer.tryWrite("y".repeat(64 * 1024)); i++);
      results.push(c.writer.buffered > 0, c.writer.tryWrite("refused\n"));
      filled.notify();
      yield* c.writer.write("last\n"); // the parking write still works and keeps the order
      yield* c.writer.end();
      results.push(c.writer.tryWrite("after end\n"));
    });
    try {
      const client = await rawClient(server.port);
      client.pause(); // read nothing until the server has seen its socket full
      await filled.until(() => results.length >= 3, "the server to fill the socket");
      const received = receiveAll(client);
      client.resume();
      const text = await received;
      expect(results).toEqual([true, true, false, false]);
      expect(text.startsWith("first\n")).toBe(true);
      expect(text.endsWith("y\nlast\n") || text.endsWith("ylast\n")).toBe(true);
      expect(text).not.toContain("refused");
    } finally {
      await server.stop();
    }
  });
});

describe("connect, half-close and clean shutdown", () => {
  it("a client on our loop talks to a server on our loop; half-close sends EOF and reading goes on", async () => {
    const server = await startServer(function* (c) {
      const lines: string[] = [];
      for (let l = yield* c.reader.readLine(); l !== null; l = yield* c.reader.readLine()) lines.push(l);
      yield* c.writer.write(`you sent ${lines.length} lines: ${lines.join(",")}\n`);
      yield* c.writer.end();
    });
    try {
      const answer = await run(function* () {
        const c = yield* connect({ host: "127.0.0.1", port: server.port });
        try {
          yield* c.writer.write("a\nb\n");
          yield* c.writer.write("c\n");
          yield* c.writer.end(); // half-close: the server sees EOF...
          const reply = yield* c.reader.readLine(); // ...and we can still read its answer
          const eof = yield* c.reader.readLine();
          return [reply, eof];
        } finally {
          c.close();
        }
      });
      expect(answer).toEqual(["you sent 3 lines: a,b,c", null]);
    } finally {
      await server.stop();
    }
  });

  it("stopping the server cancels connection tasks (their finally runs), closes sockets and the listener", async () => {
    const log: string[] = [];
    const server = await startServer(function* (c) {
      try {
        yield* c.writer.write("welcome\n");
        yield* c.reader.readLine(); // the client never sends a line
      } catch (e) {
        log.push(e instanceof Cancelled ? "handler cancelled" : `handler failed: ${String(e)}`);
        throw e;
      } finally {
        log.push("handler finally");
      }
    });
    const client = await rawClient(server.port);
    const received = receiveAll(client); // resolves when the server closes the socket
    await new Promise<void>((resolve) => client.once("data", () => resolve()));
    await server.stop();
    await received.catch(() => ""); // closed by the server (EOF or reset)
    expect(log).toEqual(["handler cancelled", "handler finally"]);
    expect(server.loop.stats.liveTasks).toBe(0);
    await expect(rawClient(server.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("a failing handler is reported and the server keeps serving others", async () => {
    const errors: string[] = [];
    const server = await startServer(
      function* (c) {
        const line = yield* c.reader.readLine();
        if (line === "crash") throw new Error("handler crashed");
        yield* c.writer.write(`fine ${line}\n`);
        yield* c.writer.end();
      },
      (e) => errors.push((e as Error).message),
    );
    try {
      const bad = await rawClient(server.port);
      const badDone = receiveAll(bad);
      bad.write("crash\n");
      await badDone.catch(() => "");
      const good = await rawClient(server.port);
      const goodDone = receiveAll(good);
      good.write("hello\n");
      expect(await goodDone).toBe("fine hello\n");
      expect(errors).toEqual(["handler crashed"]);
    } finally {
      await server.stop();
    }
  });

  it("listen on a port in use and connect to a closed port fail with clear errors in the task", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(run(listen({ host: "127.0.0.1", port }))).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    await expect(run(connect({ host: "127.0.0.1", port }))).rejects.toThrow(/ECONNREFUSED/);
  });

  it("a read on a connection the peer resets throws the socket's error instead of hanging", async () => {
    let readOutcome = "";
    const read = new Waiters(() => `read outcome: "${readOutcome}"`);
    const server = await startServer(function* (c) {
      try {
        const line = yield* c.reader.readLine();
        readOutcome = `line ${String(line)}`;
      } catch (e) {
        readOutcome = `error ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
      }
      read.notify();
    });
    try {
      const client = await rawClient(server.port);
      client.write("partial line without newline");
      client.resetAndDestroy();
      await read.until(() => readOutcome !== "", "the read to end");
      // Depending on timing the kernel reports the reset, or the bytes then EOF: never a hang.
      expect(readOutcome).toMatch(/^(error ECONNRESET|line partial line without newline)$/);
    } finally {
      await server.stop();
    }
  });
});

describe("an idle connection", () => {
  it("a parked read shows its peer in dump(); cancelling it frees the socket for the next read", async () => {
    let dumped = "";
    let received: string | null = "";
    const server = await startServer(function* (c) {
      const idle = spawn(c.reader.read(), { name: "idle reader" });
      const parked = (): boolean => server.loop.tasks().some((t) => t.name === "idle reader" && t.waitingOn.startsWith("socket readable"));
      while (!parked()) yield* sleep(1);
      dumped = server.loop.dump();
      yield* idle.halt();
      yield* c.writer.write("go\n"); // now the client sends its line
      received = yield* c.reader.readLine();
    });
    try {
      const client = await rawClient(server.port);
      const peer = `${client.localAddress}:${client.localPort}`;
      await new Promise<void>((resolve) => client.once("data", () => resolve()));
      client.end("hello\n");
      await new Promise((resolve) => client.once("close", resolve).resume());
      expect(dumped).toContain(`idle reader [parked: socket readable ${peer}]`);
      expect(received).toBe("hello");
    } finally {
      await server.stop();
    }
  });

  it("holds the loop while its socket is open and lets go exactly once when it closes", async () => {
    const loop = new Loop();
    const held: number[] = [];
    await loop.run(function* () {
      const listener = yield* listen();
      held.push(loop.host.wakers); // the listener
      let accepted: Connection | null = null;
      const server = spawn(
        serve(listener, function* (c) {
          accepted = c;
          yield* c.reader.read(); // parks until the client closes
        }),
      );
      const client = yield* connect({ port: listener.port });
      while (accepted === null) yield* sleep(1);
      held.push(loop.host.wakers); // + both ends
      client.close();
      client.close();
      while (!client.closed || !(accepted as Connection).closed) yield* sleep(1);
      held.push(loop.host.wakers);
      listener.close();
      yield* server.join();
      held.push(loop.host.wakers);
    });
    expect(held).toEqual([1, 3, 1, 0]);
  });
});
