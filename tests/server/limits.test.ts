import { describe, expect, it } from "vitest";
import { ChatClient, startServer, withServer } from "./chat-client.js";
import { WsClient } from "./ws-client.js";

describe("limits: each offender is told, and nobody else is disturbed", () => {
  it("flood control delays instead of dropping: a burst beyond the rate arrives complete and in order", async () => {
    await withServer({ limits: { linesPerSecond: 50, burst: 5 } }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const started = Date.now();
      alice.socket.write(Array.from({ length: 30 }, (_, i) => `flood ${i}\r\n`).join(""));
      bob.send("bob is not slowed");
      await bob.waitFor(/<bob> bob is not slowed$/);
      await bob.waitFor(/<alice> flood 29$/);
      const floods = bob.lines.filter((l) => l.includes("<alice> flood")).map((l) => l.replace(/^.*> /, ""));
      expect(floods).toEqual(Array.from({ length: 30 }, (_, i) => `flood ${i}`));
      // 25 lines beyond the burst at 50 lines/s cannot arrive in less than ~0.5 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      // The unthrottled member got through while the flood was still being paced.
      const bobAt = bob.lines.findIndex((l) => l.endsWith("<bob> bob is not slowed"));
      const lastFloodAt = bob.lines.findIndex((l) => l.endsWith("<alice> flood 29"));
      expect(bobAt).toBeLessThan(lastFloodAt);
    });
  });

  it("with the rate limit off (CHAT_RATE_LIMIT=0) a burst of 2,000 lines is neither paced nor taken for a flood", async () => {
    await withServer({ rateLimit: 0 }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      expect(bob.lines.find((l) => l.startsWith("* Welcome"))).toBeDefined();
      alice.socket.write(Array.from({ length: 2_000 }, (_, i) => `burst ${i}\r\n`).join(""));
      await bob.waitFor(/<alice> burst 1999$/);
      const burst = bob.lines.filter((l) => l.includes("<alice> burst")).map((l) => l.replace(/^.*> /, ""));
      expect(burst).toEqual(Array.from({ length: 2_000 }, (_, i) => `burst ${i}`));
      expect(alice.closed).toBe(false);
      expect(bob.lines.some((l) => l.includes("alice left"))).toBe(false);
    });
  });

  it("a busy room slows its senders, not its readers: 20 clients sending 200 lines each at once all get all 4,000", async () => {
    // Outboxes smaller than the burst: a broadcaster that never let the writers run between
    // broadcasts would overfill them and disconnect readers that are perfectly fast.
    await withServer({ rateLimit: 0, limits: { outbox: { maxLines: 2_000, maxBytes: 1024 * 1024 } } }, async (s) => {
      const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => ChatClient.join(s.port, `c${i}`)));
      for (const [i, c] of clients.entries()) c.socket.write(Array.from({ length: 200 }, (_, k) => `${i}:${k}\r\n`).join(""));
      for (const c of clients) await c.until(() => c.lines.filter((l) => /> \d+:\d+$/.test(l)).length === 4_000, "all 4,000 lines", 30_000);
      for (const c of clients) {
        expect(c.closed).toBe(false);
        expect(c.lines.some((l) => l.includes("too slow") || l.includes("not reading fast enough"))).toBe(false);
      }
    });
  });

  it("with join notices off (CHAT_JOIN_NOTICES=0) nobody is told who joined or left; messages still flow", async () => {
    await withServer({ joinNotices: false }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const carol = await ChatClient.join(s.port, "carol");
      carol.send("/quit");
      await carol.until(() => carol.closed, "carol to be gone");
      bob.send("still here");
      await alice.waitFor(/<bob> still here$/);
      expect(alice.lines.filter((l) => / (joined|left) /.test(l))).toEqual([]);
      alice.send("/users");
      expect(await alice.waitFor(/^\* Online/)).toBe("* Online (2): alice, bob");
    });
  });

  it("a client that never reads is disconnected with a notice, and the others keep everything", async () => {
    const s = await startServer({
      limits: { linesPerSecond: 1e6, burst: 1e6, outbox: { maxLines: 200, maxBytes: 256 * 1024 } },
    });
    try {
      const talker = await ChatClient.join(s.port, "talker");
      const listener = await ChatClient.join(s.port, "listener");
      const sloth = await ChatClient.join(s.port, "sloth");
      await talker.waitFor(/sloth joined/);
      sloth.socket.pause(); // reads nothing from now on
      const count = 6_000; // ~6 MB: more than the socket buffers on both sides hold
      const body = "z".repeat(1000);
      for (let i = 0; i < count; i += 500) {
        talker.socket.write(Array.from({ length: Math.min(500, count - i) }, (_, k) => `${i + k} ${body}\r\n`).join(""));
      }
      await talker.waitFor(/^\* sloth left \(too slow/);
      await listener.until(() => listener.lines.filter((l) => l.includes("<talker>")).length === count, "every message", 60_000);
      const numbers = listener.lines.filter((l) => l.includes("<talker>")).map((l) => Number(l.replace(/^.*<talker> (\d+) .*$/, "$1")));
      expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(listener.lines.some((l) => /^\* sloth left \(too slow; 2 online\)$/.test(l))).toBe(true);
      sloth.socket.resume(); // now read what reached it: it ends with the notice to it
      await sloth.until(() => sloth.closed, "sloth's connection to be closed", 30_000);
      expect(sloth.lines.some((l) => l === "! you are not reading fast enough and are being disconnected")).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it("a flooder whose unprocessed input keeps growing is disconnected with a notice; others lose nothing", async () => {
    await withServer({ limits: { linesPerSecond: 5, burst: 10, maxBacklog: 200 } }, async (s) => {
      const flooder = await ChatClient.join(s.port, "flooder");
      const calm = await ChatClient.join(s.port, "calm");
      flooder.socket.write(Array.from({ length: 2_000 }, (_, i) => `spam ${i}\r\n`).join(""));
      expect(await calm.waitFor(/^\* flooder left/)).toBe("* flooder left (flooding; 1 online)");
      await flooder.until(() => flooder.closed, "the flooder to be disconnected");
      expect(flooder.lines).toContain("! you are sending too much too fast; disconnecting");
      calm.send("calm continues");
      await calm.waitFor(/<calm> calm continues$/);
    });
  });

  it("a stream of lines that never gives a valid name is cut off after maxNameAttempts, on both transports", async () => {
    await withServer({ limits: { maxNameAttempts: 5 } }, async (s) => {
      const junk = await ChatClient.open(s.port);
      junk.socket.write("bad name!\r\n".repeat(4) + "\r\n".repeat(100)); // blank lines count too
      await junk.until(() => junk.closed, "the connection to be closed");
      expect(junk.lines.filter((l) => l.includes("a space is not")).length).toBe(4); // four answers, then goodbye
      expect(junk.lines.at(-1)).toBe("! no valid name in 5 lines; goodbye");
      const ws = await WsClient.open(s.server.wsPort);
      for (let i = 0; i < 50; i++) ws.send({ type: "say", text: "not joined" });
      await ws.until(() => ws.closed !== null, "the WebSocket to be closed");
      expect(ws.events.length).toBe(6);
      expect(ws.events.at(-1)).toEqual({ type: "error", code: "name-invalid", text: "no valid join in 5 commands; goodbye" });
      expect(ws.closed?.code).toBe(1008);
      await ChatClient.join(s.port, "fine"); // and a real user still gets in
    });
  });

  it("a client that does not choose a name in time is told so and disconnected", async () => {
    await withServer({ limits: { nameTimeoutMs: 300 } }, async (s) => {
      const idle = await ChatClient.open(s.port);
      await idle.until(() => idle.closed, "the connection to be closed");
      expect(idle.lines.at(-1)).toBe("! no name chosen in 0.3 s; goodbye");
    });
  });

  it("refuses connections past CHAT_MAX_CLIENTS politely", async () => {
    await withServer({ maxClients: 2 }, async (s) => {
      await ChatClient.join(s.port, "one");
      await ChatClient.join(s.port, "two");
      const third = await ChatClient.open(s.port);
      await third.until(() => third.closed, "refusal");
      expect(third.lines).toEqual(["! the server is full; please try again later"]);
    });
  });

  it("refuses connections past CHAT_MAX_PER_ADDRESS from one address, counting both transports, and no others", async () => {
    await withServer({ maxPerAddress: 3, exemptAddresses: [] }, async (s) => {
      const one = await ChatClient.join(s.port, "one");
      await ChatClient.join(s.port, "two");
      await WsClient.join(s.server.wsPort, "three");
      const fourth = await ChatClient.open(s.port);
      await fourth.until(() => fourth.closed, "refusal");
      expect(fourth.lines).toEqual(["! too many connections from your address; close one and try again"]);
      const fifth = await WsClient.open(s.server.wsPort);
      await fifth.until(() => fifth.closed !== null, "refusal");
      expect(fifth.events).toEqual([{ type: "error", code: "too-many-connections", text: "too many connections from your address; close one and try again" }]);
      expect(fifth.closed?.code).toBe(1013);

      // Another host is not affected (127.0.0.2 is loopback too, but a different address).
      const elsewhere = await ChatClient.open(s.port, "127.0.0.2");
      await elsewhere.until(() => elsewhere.partial === "Username: ", "the username prompt");
      elsewhere.send("elsewhere");
      await one.waitFor(/^\* elsewhere joined/);

      // A slot freed is a slot again.
      one.close();
      await elsewhere.waitFor(/^\* one left/);
      await ChatClient.join(s.port, "again");
    });
  });

  it("by default loopback is exempt from the per-address limit (a reverse proxy on the host)", async () => {
    await withServer({}, async (s) => {
      const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => ChatClient.join(s.port, `local${i}`)));
      expect(clients.every((c) => !c.closed)).toBe(true);
      expect(s.server.room.online).toBe(20);
    });
  });

  it("a reset in the middle of a large write ends only that session", async () => {
    await withServer({ limits: { linesPerSecond: 1e6, burst: 1e6 } }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const victim = await ChatClient.join(s.port, "victim");
      await alice.waitFor(/victim joined/);
      victim.socket.pause();
      alice.socket.write(Array.from({ length: 2_000 }, (_, i) => `bulk ${i} ${"q".repeat(500)}\r\n`).join(""));
      await alice.waitFor(/<alice> bulk 1999 /);
      victim.socket.resetAndDestroy();
      await alice.waitFor(/^\* victim left/);
      alice.send("still fine");
      await alice.waitFor(/<alice> still fine$/);
      const late = await ChatClient.join(s.port, "latecomer");
      expect(await late.waitFor(/^\* Welcome, /)).toBe("* Welcome, latecomer! Online (2): alice, latecomer");
    });
  });
});

describe("shutdown", () => {
  it("every user gets a shutdown notice and the server stops cleanly", async () => {
    const s = await startServer();
    const alice = await ChatClient.join(s.port, "alice");
    const bob = await ChatClient.join(s.port, "bob");
    await s.stop();
    for (const c of [alice, bob]) {
      await c.until(() => c.closed, "the connection to close");
      expect(c.lines).toContain("* The server is shutting down: test over");
    }
    expect(s.loop.stats.liveTasks).toBe(0);
  });
});
