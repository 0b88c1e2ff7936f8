import { request } from "node:http";
import { WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, type ErrorEvent, type MessageEvent, type WelcomeEvent } from "../../shared/src/protocol/index.js";
import { ChatClient, startServer, withServer } from "./chat-client.js";
import { WsClient } from "./ws-client.js";
import { eventually } from "../helpers/waiters.js";
import type { LoopSnapshot } from "../../shared/src/loop/index.js";

function httpGet(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers["content-type"]) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("WebSocket users and netcat users share one room", () => {
  it("see each other's messages, notices and renames", async () => {
    await withServer({}, async (s) => {
      const nc = await ChatClient.join(s.port, "netcat");
      const ws = await WsClient.join(s.server.wsPort, "webby");
      const welcome = ws.events.find((e) => e.type === "welcome") as WelcomeEvent;
      expect(welcome).toMatchObject({ protocol: PROTOCOL_VERSION, name: "webby", users: ["netcat", "webby"] });
      expect(welcome.limits).toEqual({ maxLineBytes: 1024, linesPerSecond: 5, burst: 10, maxNameLength: 24 });
      expect(await nc.waitFor(/joined/)).toBe("* webby joined (2 online)");

      ws.send({ type: "say", text: "hello from the web" });
      expect(await nc.waitFor(/<webby>/)).toMatch(/^\[\d\d:\d\d\] <webby> hello from the web$/);
      nc.send("hello from netcat");
      const message = await ws.waitFor<MessageEvent>((e) => e.type === "message" && e.from === "netcat");
      expect(message).toMatchObject({ type: "message", from: "netcat", text: "hello from netcat" });

      ws.send({ type: "nick", name: "webster" });
      expect(await nc.waitFor(/known as/)).toBe("* webby is now known as webster");
      nc.send("/me waves");
      expect(await ws.waitFor((e) => e.type === "action")).toMatchObject({ from: "netcat", text: "waves" });
      nc.send("/msg webster psst");
      expect(await ws.waitFor((e) => e.type === "private")).toMatchObject({ from: "netcat", to: "webster", text: "psst" });
      ws.send({ type: "users" });
      expect(await ws.waitFor((e) => e.type === "users")).toEqual({ type: "users", users: ["netcat", "webster"] });
      ws.send({ type: "quit", reason: "bye" });
      expect(await nc.waitFor(/left/)).toBe("* webster left (quit: bye; 1 online)");
      await ws.until(() => ws.closed !== null, "the server to close");
      expect(ws.closed?.code).toBe(1000);
    });
  });

  it("the first command must be a join; taken and invalid names are errors and the client may retry", async () => {
    await withServer({}, async (s) => {
      await ChatClient.join(s.port, "taken");
      const ws = await WsClient.open(s.server.wsPort);
      ws.send({ type: "say", text: "too early" });
      expect(await ws.waitFor((e) => e.type === "error")).toMatchObject({ code: "not-joined" });
      ws.send({ type: "join", name: "TAKEN" });
      expect(await ws.waitFor((e) => e.type === "error" && e.code === "name-taken")).toBeTruthy();
      ws.send({ type: "join", name: "bad name!" });
      expect(await ws.waitFor((e) => e.type === "error" && e.code === "name-invalid")).toBeTruthy();
      ws.send({ type: "join", name: "fine" });
      expect(await ws.waitFor((e) => e.type === "welcome")).toMatchObject({ name: "fine" });
      ws.send({ type: "join", name: "again" });
      expect(await ws.waitFor((e) => e.type === "error" && e.code === "already-joined")).toBeTruthy();
    });
  });
});

describe("WebSocket input validation", () => {
  it("malformed JSON, wrong shapes, unknown types and too-large commands get coded errors; the connection stays usable", async () => {
    await withServer({}, async (s) => {
      const ws = await WsClient.join(s.server.wsPort, "tester");
      const nc = await ChatClient.join(s.port, "watcher");
      const errors = (): string[] => ws.events.filter((e): e is ErrorEvent => e.type === "error").map((e) => e.code);
      ws.send("{not json");
      ws.send("[1,2,3]");
      ws.send({ type: "dance" });
      ws.send({ type: "say", text: 42 });
      ws.send({ type: "say", text: "x".repeat(20_000) }); // over the 16 KiB command limit, under the frame limit
      ws.send({ type: "say", text: "y".repeat(2_000) }); // over the 1024-byte line limit
      ws.send({ type: "say", text: "\u001b[2Jstill \u0007works", extra: "ignored" });
      await nc.waitFor(/<tester> still works$/);
      await ws.until(() => errors().length === 6, "six errors");
      expect(errors()).toEqual(["bad-json", "bad-command", "unknown-command", "bad-command", "too-large", "line-too-long"]);
      expect(nc.lines.some((l) => l.includes("xxxx") || l.includes("yyyy"))).toBe(false);
    });
  });

  it("an oversize frame closes the connection with 1009, and the room hears that the user left", async () => {
    await withServer({}, async (s) => {
      const nc = await ChatClient.join(s.port, "watcher");
      const ws = await WsClient.join(s.server.wsPort, "big");
      ws.send("z".repeat(100_000));
      await ws.until(() => ws.closed !== null, "the close");
      expect(ws.closed?.code).toBe(1009);
      expect(await nc.waitFor(/big left/)).toBe("* big left (frame too large; 1 online)");
    });
  });

  it("a flood is delayed, not dropped: every message arrives in order", async () => {
    await withServer({ limits: { linesPerSecond: 100, burst: 5 } }, async (s) => {
      const nc = await ChatClient.join(s.port, "watcher");
      const ws = await WsClient.join(s.server.wsPort, "flooder");
      for (let i = 0; i < 60; i++) ws.send({ type: "say", text: `f${i}` });
      await nc.waitFor(/<flooder> f59$/);
      const got = nc.lines.filter((l) => l.includes("<flooder>")).map((l) => l.replace(/^.*> /, ""));
      expect(got).toEqual(Array.from({ length: 60 }, (_, i) => `f${i}`));
    });
  });

  it("a flood past the backlog is told and disconnected, like a netcat flooder", async () => {
    await withServer({ limits: { linesPerSecond: 5, burst: 5, maxBacklog: 50 } }, async (s) => {
      const nc = await ChatClient.join(s.port, "watcher");
      const ws = await WsClient.join(s.server.wsPort, "flooder");
      for (let i = 0; i < 2_000; i++) ws.send({ type: "say", text: `spam ${i} ${"x".repeat(500)}` });
      await ws.until(() => ws.closed !== null, "the flooder to be disconnected");
      expect(ws.events).toContainEqual({ type: "error", code: "flooding", text: "you are sending too much too fast; disconnecting" });
      await nc.waitFor(/^\* flooder left \(flooding/);
      // Paced at 5 lines/s, it got through only its burst and a few more before being dropped.
      expect(nc.lines.filter((l) => l.includes("<flooder> spam")).length).toBeLessThan(20);
      nc.send("still here");
      await nc.waitFor(/<watcher> still here$/);
    });
  });

  it("keepalive drops a peer that stops answering pings", async () => {
    await withServer({ keepaliveMs: 100 }, async (s) => {
      const nc = await ChatClient.join(s.port, "watcher");
      const silent = await WsClient.open(s.server.wsPort, { autoPong: false });
      silent.send({ type: "join", name: "ghost" });
      await nc.waitFor(/ghost joined/);
      expect(await nc.waitFor(/ghost left/)).toBe("* ghost left (no answer to ping; 1 online)");
      await silent.until(() => silent.closed !== null, "the connection to be dropped");
      const alive = await WsClient.join(s.server.wsPort, "alive"); // answers pings: stays
      await nc.waitFor(/alive joined/);
      const before = nc.lines.length;
      alive.send({ type: "say", text: "still here after several pings" });
      await nc.waitFor(/still here after several pings/, before);
      expect(nc.lines.some((l) => l.includes("alive left"))).toBe(false);
    });
  });
});

describe("the HTTP endpoint", () => {
  it("GET /loop shows the loop live: tasks by kind, ready queue, timers, steps per second; ?tree the task tree", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      await ChatClient.join(s.port, "bob");
      await WsClient.join(s.server.wsPort, "carol");
      alice.send("hello");
      await alice.waitFor(/<alice> hello$/);
      const loop = await httpGet(s.server.wsPort, "/loop");
      expect(loop.status).toBe(200);
      expect(loop.type).toBe("application/json");
      const view = JSON.parse(loop.body) as LoopSnapshot;
      expect(view.tasksByKind).toMatchObject({ connection: 3, broadcaster: 1, keepalive: 1, "tcp accept loop": 1, "websocket accept loop": 1 });
      expect(Object.values(view.tasksByKind).reduce((a, b) => a + b, 0)).toBe(view.liveTasks);
      expect(view.ready).toBeGreaterThanOrEqual(0);
      expect(view.timers).toBeGreaterThanOrEqual(1); // the keepalive's sleep
      expect(view.recent?.steps).toBeGreaterThan(0);
      expect(view.recent?.stepsPerSecond).toBeGreaterThan(0);
      expect(view.recent?.slowestTurnMs).toBeGreaterThan(0);
      const tree = await httpGet(s.server.wsPort, "/loop?tree");
      expect(tree.type).toBe("text/plain");
      expect(tree.body).toMatch(/^loop: \d+ live tasks/);
      expect(tree.body).toContain("broadcaster [parked");
    });
  });

  it("GET /healthz answers 200 JSON with uptime, members and loop counters; other paths 404", async () => {
    await withServer({}, async (s) => {
      await ChatClient.join(s.port, "someone");
      const health = await httpGet(s.server.wsPort, "/healthz");
      expect(health.status).toBe(200);
      expect(health.type).toBe("application/json");
      const body = JSON.parse(health.body) as { status: string; members: number; uptimeS: number; loop: { steps: number; liveTasks: number } };
      expect(body).toMatchObject({ status: "ok", members: 1 });
      expect(body.loop.steps).toBeGreaterThan(0);
      expect(body.loop.liveTasks).toBeGreaterThan(0);
      expect((await httpGet(s.server.wsPort, "/nope")).status).toBe(404);
      await expect(WsClient.open(s.server.wsPort, { path: "/elsewhere" })).rejects.toThrow(/404/);
    });
  });

  it("GET /metrics answers Prometheus text: members, connections per transport, messages, deliveries, drops, loop counters", async () => {
    await withServer({ limits: { linesPerSecond: 5, burst: 10, maxBacklog: 50 } }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await WsClient.join(s.server.wsPort, "bob");
      alice.send("hello");
      await bob.waitFor((e) => e.type === "message" && e.text === "hello");
      // A flooder is dropped, and counted by reason.
      const flooder = await ChatClient.join(s.port, "flooder");
      flooder.socket.write(Array.from({ length: 500 }, (_, i) => `spam ${i}\r\n`).join(""));
      await alice.waitFor(/^\* flooder left \(flooding/);
      // The flooder's session ends a moment after its leave notice (its outbox flushes first).
      let metrics = { status: 0, body: "(not fetched)", type: "" };
      await eventually(async () => (metrics = await httpGet(s.server.wsPort, "/metrics")).body.includes('loopchat_connections{transport="tcp"} 1\n'), "the flooder's connection to be gone from /metrics", {
        seen: () => metrics.body,
      });
      expect(metrics.status).toBe(200);
      expect(metrics.type).toBe("text/plain; version=0.0.4");
      const samples = metrics.body.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
      for (const line of samples) expect(line).toMatch(/^[a-z_]+(\{[a-z]+="[^"]*"\})? \d+(\.\d+)?(e[-+]\d+)?$/);
      const value = (name: string): number => Number(samples.find((l) => l.startsWith(name + " "))?.split(" ")[1]);
      expect(value("loopchat_members")).toBe(2);
      expect(value('loopchat_connections{transport="tcp"}')).toBe(1);
      expect(value('loopchat_connections{transport="ws"}')).toBe(1);
      expect(value('loopchat_drops_total{reason="flooding"}')).toBe(1);
      expect(value("loopchat_messages_in_total")).toBeGreaterThanOrEqual(1); // hello, and what the flooder got through
      expect(value("loopchat_deliveries_total")).toBeGreaterThanOrEqual(2); // hello reached alice and bob
      expect(value("loopchat_loop_steps_total")).toBeGreaterThan(0);
      expect(value("loopchat_loop_lag_seconds_count")).toBeGreaterThan(0); // every turn is timed
      expect(value('loopchat_loop_lag_seconds_bucket{le="+Inf"}')).toBe(value("loopchat_loop_lag_seconds_count"));
      expect(value("process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
      expect(metrics.body).toContain("# TYPE loopchat_deliveries_total counter");
    });
  });

  it("CHAT_MAX_CLIENTS counts both transports", async () => {
    await withServer({ maxClients: 2 }, async (s) => {
      await ChatClient.join(s.port, "tcp1");
      await WsClient.join(s.server.wsPort, "ws1");
      const third = await WsClient.open(s.server.wsPort);
      await third.until(() => third.closed !== null, "refusal");
      expect(third.events).toEqual([{ type: "error", code: "server-full", text: "the server is full; please try again later" }]);
      expect(third.closed?.code).toBe(1013);
    });
  });

  it("shutdown sends WebSocket users a shutdown event and closes them", async () => {
    const s = await startServer();
    const ws = await WsClient.join(s.server.wsPort, "webby");
    await s.stop();
    await ws.until(() => ws.closed !== null, "the close");
    expect(ws.events.at(-1)).toEqual({ type: "shutdown", reason: "test over" });
    expect(ws.socket.readyState).toBe(WebSocket.CLOSED);
  });
});

describe("one set of commands and one write path for both transports", () => {
  it("holds a WebSocket /msg to the line limit, as a typed line is held, and cuts long quit reasons on both", async () => {
    await withServer({}, async (s) => {
      const nc = await ChatClient.join(s.port, "netcat");
      const ws = await WsClient.join(s.server.wsPort, "webby");
      ws.send({ type: "msg", to: "netcat", text: "x".repeat(1025) });
      expect(await ws.waitFor((e) => e.type === "error")).toEqual({ type: "error", code: "line-too-long", text: "line too long (the limit is 1024 bytes); it was not sent" });
      ws.send({ type: "msg", to: "netcat", text: "y".repeat(1024) });
      expect(await nc.waitFor(/\[private\]/)).toContain("y".repeat(1024));

      const long = "z".repeat(300);
      nc.send(`/quit ${long}`);
      expect(await ws.waitFor((e) => e.type === "left")).toMatchObject({ name: "netcat", reason: `quit: ${"z".repeat(200)}` });
      const other = await WsClient.join(s.server.wsPort, "other");
      ws.send({ type: "quit", reason: long });
      expect(await other.waitFor((e) => e.type === "left" && e.name === "webby")).toMatchObject({ reason: `quit: ${"z".repeat(200)}` });
    });
  });

  it("writes a message to idle members on the spot: no task starts, whatever their transport", async () => {
    await withServer({}, async (s) => {
      const nc = await ChatClient.join(s.port, "netcat");
      const ws = await WsClient.join(s.server.wsPort, "webby");
      await nc.waitFor(/webby joined/);
      const spawnedBefore = s.loop.stats.spawned;
      nc.send("hello, idle sockets");
      await ws.waitFor((e) => e.type === "message" && e.text === "hello, idle sockets");
      await nc.waitFor(/<netcat> hello, idle sockets/);
      ws.send({ type: "say", text: "and back" });
      await nc.waitFor(/<webby> and back/);
      await ws.waitFor((e) => e.type === "message" && e.text === "and back");
      expect(s.loop.stats.spawned - spawnedBefore).toBe(0);
    });
  });
});
