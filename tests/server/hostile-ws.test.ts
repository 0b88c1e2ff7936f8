import { request } from "node:http";
import { connect, type Server, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/waiters.js";
import { ChatClient, startServer, type RunningServer } from "./chat-client.js";
import { clientFrame, OP, RawWs } from "./raw-ws.js";
import { WsClient } from "./ws-client.js";

/**
 * Hostile WebSocket clients (issue 8), under the same checks as `hostile.test.ts`: each attack
 * runs while a well-behaved pair (alice on netcat, bob on WebSocket) keeps talking, and once the
 * attackers are gone the server holds no more tasks, timers, members or connections than before.
 *
 * The `ws` client library refuses to misbehave (it fragments nothing, always answers pings), so
 * the attackers here are raw TCP sockets that do the upgrade handshake and frame by hand
 * (`raw-ws.ts`).
 */

// ---------------------------------------------------------------------------------------------
// Plain sockets and HTTP.

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.off("error", reject);
      socket.on("error", () => {}); // a reset after we stop caring must not crash the run
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Resolves when the server has hung up on `socket` (it must be reading to notice). */
function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on("error", () => {});
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

/** A GET on its own connection (no keep-alive agent: nothing of ours lingers on the server). */
function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// What must come back to its level once the attackers are gone.

/**
 * Sockets open on a listening server (for the HTTP port: handshakes in progress, upgraded
 * WebSockets and plain requests alike). The servers are private to ChatServer; a test may look.
 */
function openSockets(server: Server | undefined): Promise<number> {
  if (server === undefined) return Promise.resolve(-1);
  return new Promise((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n))));
}

interface Footprint {
  tasks: number;
  timers: number;
  members: number;
  /** Sockets the loop waits on (each WebSocket and TCP connection holds it). */
  held: number;
  /** Sessions per transport, as /metrics reports them. */
  tcpSessions: number;
  wsSessions: number;
  /** Sockets open on each port, counted by Node's servers. */
  tcpSockets: number;
  httpSockets: number;
}

async function footprint(s: RunningServer): Promise<Footprint> {
  const metrics = (await httpGet(s.server.wsPort, "/metrics")).body;
  const sessions = (transport: string): number => Number(new RegExp(`^loopchat_connections\\{transport="${transport}"\\} (\\d+)$`, "m").exec(metrics)?.[1] ?? NaN);
  return {
    tasks: s.loop.stats.liveTasks,
    timers: s.loop.pendingTimers,
    members: s.server.room.online,
    held: s.loop.host.wakers,
    tcpSessions: sessions("tcp"),
    wsSessions: sessions("ws"),
    tcpSockets: await openSockets(s.server["listener"]?.server),
    httpSockets: await openSockets(s.server["http"]?.server),
  };
}

/** Waits until nothing counts more than it did `before` (counters and sockets announce nothing: this polls). */
async function backTo(s: RunningServer, before: Footprint): Promise<void> {
  let now = before;
  const over = (): (keyof Footprint)[] => (Object.keys(before) as (keyof Footprint)[]).filter((k) => !(now[k] <= before[k]));
  await eventually(async () => ((now = await footprint(s)), over().length === 0), `nothing to count more than before: ${JSON.stringify(before)}`, {
    seen: () => `more ${over().join(", ")}: ${JSON.stringify(now)}\n${s.loop.dump()}`,
  });
}

// ---------------------------------------------------------------------------------------------
// The well-behaved pair.

interface Pair {
  alice: ChatClient;
  bob: WsClient;
}

async function nicePair(s: RunningServer): Promise<Pair> {
  const alice = await ChatClient.join(s.port, "alice");
  const bob = await WsClient.join(s.server.wsPort, "bob");
  return { alice, bob };
}

/** Each says something; the other must hear it. */
async function stillTalking({ alice, bob }: Pair, text: string): Promise<void> {
  alice.send(`${text} (from alice)`);
  await bob.waitFor((e) => e.type === "message" && e.from === "alice" && e.text === `${text} (from alice)`);
  bob.send({ type: "say", text: `${text} (from bob)` });
  await alice.waitFor(new RegExp(`<bob> ${text} \\(from bob\\)$`));
}

/** Neither heard a line containing `marker`; bob's connection is still open. */
function heardNothingOf({ alice, bob }: Pair, marker: string): void {
  expect(alice.lines.some((l) => l.includes(marker))).toBe(false);
  expect(bob.events.some((e) => JSON.stringify(e).includes(marker))).toBe(false);
  expect(bob.closed).toBeNull();
}

// ---------------------------------------------------------------------------------------------

/** The server's limit on one message (MAX_FRAME_BYTES in server.ts; ws applies it to the whole message). */
const MESSAGE_LIMIT = 64 * 1024;
const FRAGMENT = 4 * 1024;

describe("hostile WebSocket clients: fragmented messages", () => {
  it("a fragmented message over the 64 KiB limit, in 4 KiB fragments, is closed with 1009 and none of it is delivered", async () => {
    const s = await startServer();
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      const mallory = await RawWs.join(s.server.wsPort, "mallory");
      // It starts as a say command: had the server taken any of it, mallory would get at least an error.
      const start = JSON.stringify({ type: "say", text: "" }).slice(0, -2);
      mallory.send(OP.text, start + "Z".repeat(FRAGMENT - start.length), false);
      const fragments = Math.ceil((MESSAGE_LIMIT * 1.5) / FRAGMENT); // well past the limit; FIN never set
      for (let i = 1; i < fragments; i++) mallory.send(OP.continuation, "Z".repeat(FRAGMENT), false);
      await stillTalking(pair, "during the oversize message");
      await mallory.until(() => mallory.closed, "the server to hang up");
      expect(mallory.closeCode).toBe(1009);
      expect(await pair.alice.waitFor(/^\* mallory left/)).toBe("* mallory left (frame too large; 2 online)");
      expect(mallory.events.filter((e) => e.type === "error")).toEqual([]); // not even an error: no message was taken
      heardNothingOf(pair, "ZZZZ");
      await stillTalking(pair, "after the oversize message");
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });

  it("50 fragmented messages that never finish (60 KiB each, under the limit) deliver nothing; the pair keeps talking; nothing is left once the attackers vanish", async () => {
    const s = await startServer();
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      const attackers = await Promise.all(Array.from({ length: 50 }, (_, i) => RawWs.join(s.server.wsPort, `frag${i}`)));
      const start = JSON.stringify({ type: "say", text: "" }).slice(0, -2);
      const total = 60 * 1024;
      for (const a of attackers) {
        a.send(OP.text, start + "Q".repeat(FRAGMENT - start.length), false);
        for (let sent = FRAGMENT; sent < total; sent += FRAGMENT) a.send(OP.continuation, "Q".repeat(FRAGMENT), false);
      }
      // Every fragment has been taken in by the server, and each connection is still open (under the limit).
      await Promise.all(attackers.map((a, i) => a.roundTrip(`after 60 KiB #${i}`)));
      await stillTalking(pair, "with 50 messages pending");
      expect(attackers.every((a) => !a.closed)).toBe(true);
      expect(s.server.room.online).toBe(52);
      expect((await footprint(s)).wsSessions).toBe(51);
      expect(attackers.flatMap((a) => a.events.filter((e) => e.type === "error"))).toEqual([]); // the server never saw a message
      heardNothingOf(pair, "QQQQ");
      for (const a of attackers) a.socket.destroy(); // they vanish mid-message
      await pair.alice.waitFor(/^\* frag\d+ left \(connection closed; 2 online\)$/);
      await stillTalking(pair, "after the attackers vanished");
      await backTo(s, before);
      heardNothingOf(pair, "QQQQ");
    } finally {
      await s.stop();
    }
  });

  it("a message in more than 64 fragments is closed with 1008 (our clients never fragment) and none of it is delivered", async () => {
    const s = await startServer();
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      // Each fragment costs the server a Buffer object (about 100 bytes of heap for 1 byte of
      // payload) until the message ends; the server's maxFragments (64) bounds how many. (With
      // ws's default of 16,384, 50 such peers held 84 MiB of heap for 800 KiB sent.)
      const fragments = 64 + 16;
      const frames = [clientFrame(OP.text, "T", false)];
      for (let i = 1; i < fragments; i++) frames.push(clientFrame(OP.continuation, "T", false));
      const attack = Buffer.concat(frames);
      const attackers = await Promise.all(Array.from({ length: 10 }, (_, i) => RawWs.join(s.server.wsPort, `tiny${i}`)));
      for (const a of attackers) a.socket.write(attack);
      await stillTalking(pair, "during the tiny fragments");
      await Promise.all(attackers.map((a) => a.until(() => a.closed, "the server to hang up")));
      expect(attackers.map((a) => a.closeCode)).toEqual(attackers.map(() => 1008));
      expect(attackers.flatMap((a) => a.events.filter((e) => e.type === "error"))).toEqual([]);
      await pair.alice.until(() => pair.alice.lines.filter((l) => /^\* tiny\d+ left \(connection closed;/.test(l)).length === 10, "ten leave notices");
      heardNothingOf(pair, "TTTT");
      await stillTalking(pair, "after the tiny fragments");
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });
});

describe("hostile WebSocket clients: pings", () => {
  it("frames sent right behind the upgrade request (a join in the same packet) are not lost", async () => {
    const s = await startServer();
    try {
      const joins = await Promise.all(
        Array.from({ length: 30 }, (_, i) => RawWs.open(s.server.wsPort, { autoPong: true, early: clientFrame(OP.text, JSON.stringify({ type: "join", name: `early${i}` })) })),
      );
      await Promise.all(joins.map((ws, i) => ws.until(() => ws.events.some((e) => e.type === "welcome"), `early${i}'s welcome`)));
      for (const ws of joins) ws.socket.destroy();
    } finally {
      await s.stop();
    }
  });

  it("a member that never answers pings is dropped at the next keepalive; the room hears it left", async () => {
    const s = await startServer({ keepaliveMs: 500 });
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      const ghost = await RawWs.join(s.server.wsPort, "ghost"); // reads everything, answers no ping
      expect(await pair.alice.waitFor(/^\* ghost left/)).toBe("* ghost left (no answer to ping; 2 online)");
      await ghost.until(() => ghost.closed, "the server to drop the socket");
      expect(ghost.pings).toBeGreaterThanOrEqual(1);
      await stillTalking(pair, "after the ghost"); // bob answers pings: still here after several
      expect(pair.alice.lines.some((l) => l.includes("bob left"))).toBe(false);
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });

  it("connections that never complete a join: silent ones go at the keepalive, ones that answer pings at the join timeout", async () => {
    const s = await startServer({ keepaliveMs: 500, limits: { nameTimeoutMs: 1_500 } });
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      const silent = await Promise.all(Array.from({ length: 10 }, () => RawWs.open(s.server.wsPort)));
      const invalid = await RawWs.open(s.server.wsPort); // tries names that are refused, answers no ping
      invalid.send(OP.text, JSON.stringify({ type: "join", name: "bad name!" }));
      const lingering = await RawWs.open(s.server.wsPort, { autoPong: true }); // keeps the connection alive, never joins
      await stillTalking(pair, "with unjoined connections");
      await Promise.all([...silent, invalid].map((ws) => ws.until(() => ws.closed, "the keepalive to drop it")));
      expect(invalid.events).toEqual([expect.objectContaining({ type: "error", code: "name-invalid" })]);
      await lingering.until(() => lingering.closed, "the join timeout");
      expect(lingering.pings).toBeGreaterThanOrEqual(1);
      expect(lingering.events).toEqual([{ type: "error", code: "timeout", text: "no join in 1.5 s; goodbye" }]);
      expect(lingering.closeCode).toBe(1008);
      await stillTalking(pair, "after the unjoined connections");
      expect(s.server.room.users()).toEqual(["alice", "bob"]);
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });

  it("10,000 pings at once from a member that never reads: ws drops it at the 61st pong not yet written", async () => {
    const s = await startServer();
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      const mallory = await RawWs.join(s.server.wsPort, "mallory");
      mallory.socket.pause(); // never reads again: every pong stays on the server's side of the socket
      const ping = clientFrame(OP.ping);
      mallory.socket.write(Buffer.concat(Array.from({ length: 10_000 }, () => ping)));
      expect(await pair.alice.waitFor(/^\* mallory left/)).toBe("* mallory left (connection closed; 2 online)");
      await stillTalking(pair, "after the ping burst");
      await backTo(s, before);
      mallory.socket.destroy();
    } finally {
      await s.stop();
    }
  });

  it("a steady ping flood from a member that never reads is dropped once 60 of its pongs wait unwritten", async () => {
    const s = await startServer(); // keepalive 30 s: during the test only the pong bound can drop it
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      const mallory = await RawWs.join(s.server.wsPort, "mallory");
      mallory.socket.pause();
      const gone = (): boolean => pair.alice.lines.some((l) => l.startsWith("* mallory left"));
      // 125-byte pings (the most a control frame holds), 20 at a time. Their pongs go to a peer that
      // never reads: once the kernel's buffers are full they wait in the server's memory, and ws
      // (maxPendingAutoPongs) drops the connection at the 61st waiting pong. More than 60 pings in
      // one read (batches that arrive together) end it the same way, sooner.
      const ping = clientFrame(OP.ping, Buffer.alloc(125, 0x70));
      const batch = Buffer.concat(Array.from({ length: 20 }, () => ping));
      let sent = 0;
      const flood = async (): Promise<void> => {
        while (!gone() && !mallory.socket.destroyed && sent < 200_000) {
          mallory.socket.write(batch);
          sent += 20;
          await new Promise((r) => setImmediate(r));
        }
      };
      await Promise.all([flood(), stillTalking(pair, "during the ping flood")]);
      expect(await pair.alice.waitFor(/^\* mallory left/)).toBe("* mallory left (connection closed; 2 online)");
      await stillTalking(pair, "after the ping flood");
      await backTo(s, before);
      mallory.socket.destroy();
    } finally {
      await s.stop();
    }
  });
});

describe("hostile clients on the HTTP port: handshake abuse", () => {
  it("slow upgrade requests, garbage and broken frames: the server stays responsive and nothing is left once they go", async () => {
    const s = await startServer();
    try {
      const pair = await nicePair(s);
      const before = await footprint(s);
      const port = s.server.wsPort;
      // 50 upgrade requests whose headers trickle in, a line every 20 ms, never the blank line.
      const slow = await Promise.all(Array.from({ length: 50 }, () => rawSocket(port)));
      for (const socket of slow) socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`);
      let line = 0;
      const trickle = setInterval(() => {
        line++;
        for (const socket of slow) if (!socket.destroyed) socket.write(`X-Slow-${line}: ${"s".repeat(10)}\r\n`);
      }, 20);
      try {
        // Garbage instead of HTTP: 400 and hung up on.
        const garbage = await Promise.all(Array.from({ length: 5 }, () => rawSocket(port)));
        const answers = garbage.map((socket) => {
          let got = "";
          socket.on("data", (chunk: Buffer) => (got += chunk.toString("latin1")));
          return closed(socket).then(() => got);
        });
        const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) & 0xff));
        for (const socket of garbage) socket.write(noise);
        for (const got of await Promise.all(answers)) expect(got).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);

        // Broken frames after a good handshake: unmasked, a reserved opcode, a reserved bit: 1002.
        const broken = await Promise.all(Array.from({ length: 3 }, () => RawWs.open(port)));
        const unmasked = Buffer.from([0x81, 0x02, 0x68, 0x69]);
        const reservedOpcode = clientFrame(0x3, "hi");
        const reservedBit = clientFrame(OP.text, "hi");
        reservedBit[0] = reservedBit[0]! | 0x40;
        [unmasked, reservedOpcode, reservedBit].forEach((frame, i) => broken[i]!.socket.write(frame));
        await Promise.all(broken.map((ws) => ws.until(() => ws.closed, "the server to hang up")));
        expect(broken.map((ws) => ws.closeCode)).toEqual([1002, 1002, 1002]);

        // Meanwhile: the pair talks, /healthz answers, a newcomer can join.
        await stillTalking(pair, "during the handshake abuse");
        expect((await httpGet(port, "/healthz")).status).toBe(200);
        const carol = await WsClient.join(port, "carol");
        await pair.alice.waitFor(/^\* carol joined/);
        carol.send({ type: "quit" });
        await pair.alice.waitFor(/^\* carol left/);
      } finally {
        clearInterval(trickle);
      }
      for (const socket of slow) socket.destroy();
      await stillTalking(pair, "after the handshake abuse");
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });
});
