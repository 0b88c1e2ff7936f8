import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { Loop, sleep, spawn } from "../../shared/src/loop/index.js";
import { WsConnection } from "../../shared/src/ws/index.js";
import { eventually, Waiters } from "../helpers/waiters.js";

describe("WsConnection", () => {
  it("several tasks sending to a peer that stops reading all park on backpressure, and all resume when it reads", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    const received: string[] = [];
    const arrivals = new Waiters(() => `${received.length} frames received`);
    let peerSocket: Socket | null = null;
    wss.on("connection", (ws: WebSocket, request) => {
      peerSocket = request.socket;
      peerSocket.pause(); // a slow reader
      ws.on("message", (data) => {
        received.push(data.toString());
        arrivals.notify();
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const loop = new Loop();
    const frame = "x".repeat(10_000);
    const done = loop.run(function* () {
      const connection = yield* WsConnection.connect(`ws://127.0.0.1:${port}`, { highWaterBytes: 64 * 1024 });
      const senders = ["a", "b"].map((name) =>
        spawn(
          (function* () {
            for (let i = 0; i < 1500; i++) yield* connection.write(`${name}${i} ${frame}`);
          })(),
          { name: `sender ${name}` },
        ),
      );
      for (const s of senders) yield* s.join();
      connection.close();
    });
    // Parked is a state inside the loop that nothing announces: polled.
    const onDrain = (): number => loop.tasks().filter((t) => t.name.startsWith("sender ") && t.waitingOn === "websocket drain").length;
    await eventually(() => onDrain() === 2, "both senders to park on websocket drain", { seen: () => loop.dump() });
    (peerSocket as Socket | null)?.resume();
    await done;
    await arrivals.until(() => received.length === 3000, "all 3000 frames");
    for (const name of ["a", "b"]) {
      const mine = received.filter((m) => m.startsWith(name)).map((m) => Number(m.slice(1, m.indexOf(" "))));
      expect(mine).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    }
    await new Promise((resolve) => wss.close(resolve));
  });
});

describe("WsConnection receiving", () => {
  it("a reader that falls behind pauses the socket instead of queueing without bound; nothing is lost", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    let sentAll = false;
    wss.on("connection", (ws: WebSocket) => {
      for (let i = 0; i < 5_000; i++) ws.send(`m${i} ${"y".repeat(100)}`);
      ws.send("end", () => (sentAll = true)); // called once the frame is in the kernel's hands
    });
    const port = (wss.address() as AddressInfo).port;
    const loop = new Loop();
    const got: number[] = [];
    let maxQueued = 0;
    let pausedWhileBehind = false;
    await loop.run(function* () {
      const connection = yield* WsConnection.connect(`ws://127.0.0.1:${port}`, { maxQueuedFrames: 20 });
      // Not reading: the peer's frames pile up until the socket pauses.
      while (!connection.socket.isPaused) yield* sleep(5);
      pausedWhileBehind = true;
      for (;;) {
        maxQueued = Math.max(maxQueued, connection.queued);
        const frame = yield* connection.receive();
        if (frame === null || frame === "end") break;
        got.push(Number(frame.slice(1, frame.indexOf(" "))));
      }
      connection.close();
    });
    expect(pausedWhileBehind).toBe(true);
    expect(sentAll).toBe(true);
    expect(got).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    // At most the mark plus what ws was still parsing from one socket chunk (64 KiB / ~106 B).
    expect(maxQueued).toBeLessThan(20 + 700);
    await new Promise((resolve) => wss.close(resolve));
  });
});

describe("WsConnection.connect", () => {
  it("a connect cancelled while the socket is still connecting fails quietly (no uncaught error)", async () => {
    // A listener that accepts TCP but never answers the HTTP upgrade keeps the socket CONNECTING.
    const { createServer } = await import("node:net");
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const port = (silent.address() as AddressInfo).port;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on("uncaughtException", onUncaught);
    try {
      const loop = new Loop();
      const outcome = await loop.run(function* () {
        const attempt = spawn(WsConnection.connect(`ws://127.0.0.1:${port}/ws`), { name: "connect" });
        const connecting = (): boolean => loop.tasks().some((t) => t.name === "connect" && t.waitingOn.startsWith("websocket open"));
        while (!connecting()) yield* sleep(1);
        yield* attempt.halt();
        return attempt.outcome;
      });
      expect(outcome).toBe("cancelled");
      // The terminated socket emits its late 'error' and then 'close', which releases the
      // connection's hold on the loop: once the hold is gone, the error has had its turn.
      // (Were it uncaught, 'close' would never come and this would time out.)
      await eventually(() => loop.host.wakers === 0, "the cancelled socket's 'error' and 'close'", { seen: () => `${loop.host.wakers} held; uncaught: ${uncaught.map(String).join("; ")}` });
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      silent.close();
    }
  });
});
