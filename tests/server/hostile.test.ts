import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { ChatClient, startServer, type RunningServer } from "./chat-client.js";
import { eventually, Waiters } from "../helpers/waiters.js";

/**
 * Hostile and broken clients (issue 8). Each attack runs while a well-behaved pair keeps talking;
 * the test checks that they are not disturbed, and that once the attackers are gone the server
 * holds no more tasks, timers or sockets than before the attack.
 */

function rawSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress }, () => resolve(socket));
    socket.once("error", reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
    socket.on("error", () => {});
  });
}

/** The loop's footprint: what must come back to its level once the attackers are gone. */
const footprint = (s: RunningServer) => ({ tasks: s.loop.stats.liveTasks, timers: s.loop.pendingTimers, sessions: s.server.room.online });

/** Waits until the footprint is back to `before` (counters inside the loop: nothing announces them, so this polls). */
function backTo(s: RunningServer, before: ReturnType<typeof footprint>): Promise<void> {
  return eventually(() => JSON.stringify(footprint(s)) === JSON.stringify(before), `the footprint to come back to ${JSON.stringify(before)}`, {
    seen: () => `${JSON.stringify(footprint(s))}\n${s.loop.dump()}`,
  });
}

/** A well-behaved pair: alice says something, bob must hear it. */
async function stillTalking(alice: ChatClient, bob: ChatClient, text: string): Promise<void> {
  alice.send(text);
  await bob.waitFor(new RegExp(`<alice> ${text}$`));
}

describe("hostile clients: the others are not disturbed, and nothing is left behind", () => {
  it("slowloris: bytes trickled without a newline, never a name, is cut off at the name timeout", async () => {
    const s = await startServer({ limits: { nameTimeoutMs: 400 } });
    try {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const before = footprint(s);
      const attackers = await Promise.all(Array.from({ length: 20 }, () => rawSocket(s.port)));
      const trickle = setInterval(() => {
        for (const a of attackers) if (!a.destroyed) a.write("x");
      }, 10);
      try {
        await stillTalking(alice, bob, "during the slowloris");
        await Promise.all(attackers.map(closed)); // the server hangs up on each
      } finally {
        clearInterval(trickle);
      }
      await stillTalking(alice, bob, "after the slowloris");
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });

  it("10 MB without a newline: a clear error once the line ends, none of it reaches anyone, the sender can go on", async () => {
    const s = await startServer({ rateLimit: 0 });
    try {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const mallory = await ChatClient.join(s.port, "mallory");
      const chunk = "y".repeat(1024 * 1024);
      for (let i = 0; i < 10; i++) mallory.socket.write(chunk);
      await stillTalking(alice, bob, "during the long line");
      mallory.send(""); // the line ends
      await mallory.waitFor(/^! line too long/);
      mallory.send("short again");
      await bob.waitFor(/<mallory> short again$/);
      expect(bob.lines.some((l) => l.includes("yyyy"))).toBe(false);
    } finally {
      await s.stop();
    }
  });

  it("random binary from clients that never send a valid name, and a flood of connections past the limit", async () => {
    const s = await startServer({ maxClients: 30, limits: { nameTimeoutMs: 2_000 } });
    try {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const before = footprint(s);
      const noise = await Promise.all(Array.from({ length: 5 }, () => rawSocket(s.port)));
      for (const n of noise) n.write(randomBytes(256 * 1024));
      const flood = await Promise.allSettled(Array.from({ length: 100 }, () => rawSocket(s.port)));
      const opened = flood.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      await stillTalking(alice, bob, "during the flood");
      for (const socket of [...noise, ...opened]) socket.destroy();
      await stillTalking(alice, bob, "after the flood");
      await backTo(s, before);
      expect(s.server.room.users()).toEqual(["alice", "bob"]);
    } finally {
      await s.stop();
    }
  });

  it("a flood of connections from one address stops at the per-address limit; other addresses still get in", async () => {
    const s = await startServer({ maxPerAddress: 10, exemptAddresses: [] });
    try {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const before = footprint(s);
      // 200 connections at once from 127.0.0.3, each recording what the server said to it.
      const flood = await Promise.all(Array.from({ length: 200 }, () => rawSocket(s.port, "127.0.0.3")));
      const count = (what: string): number => heard.filter((text) => text().includes(what)).length;
      const answers = new Waiters(() => `refused ${count("too many connections")}, admitted ${count("Username:")}`);
      const heard = flood.map((socket) => {
        let text = "";
        socket.setEncoding("utf8");
        socket.on("data", (chunk: string) => {
          text += chunk;
          answers.notify();
        });
        return () => text;
      });
      await answers.until(() => count("too many connections") >= 190 && count("Username:") >= 10, "190 refusals and 10 prompts");
      expect(count("too many connections from your address")).toBe(190); // and no more
      expect(count("Username:")).toBe(10);
      await stillTalking(alice, bob, "during the flood");
      const carol = await ChatClient.join(s.port, "carol"); // 127.0.0.1 still has room
      for (const socket of flood) socket.destroy();
      carol.close();
      await stillTalking(alice, bob, "after the flood");
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });

  it("half-open: a client that sends a message and half-closes leaves cleanly; its message was delivered", async () => {
    const s = await startServer();
    try {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      const before = footprint(s);
      const carol = await ChatClient.join(s.port, "carol");
      carol.socket.end("goodbye from carol\r\n"); // FIN after the line: the server sees EOF
      await bob.waitFor(/<carol> goodbye from carol$/);
      await bob.waitFor(/^\* carol left/);
      await closed(carol.socket);
      await stillTalking(alice, bob, "after the half-close");
      await backTo(s, before);
    } finally {
      await s.stop();
    }
  });
});
