import { describe, expect, it } from "vitest";
import { ChatClient, withServer, type RunningServer } from "./chat-client.js";
import { WsClient } from "./ws-client.js";

/**
 * Limits that follow the client address, not the connection (with CHAT_LIMIT_EXEMPT=none, as a
 * server behind no proxy runs). Other 127.x.y.z addresses stand in for other hosts. Each attack
 * runs beside an ordinary pair, one of whom reads at 256 KB/s: neither may be disturbed.
 */

const ATTACKER = "127.0.0.2";
const LINE = "x".repeat(900);

/** A member on a slow link: reads at `bytesPerSecond`, pausing its socket between chunks. */
async function slowReader(port: number, name: string, bytesPerSecond: number): Promise<ChatClient> {
  const client = await ChatClient.join(port, name);
  client.socket.on("data", (chunk: Buffer | string) => {
    client.socket.pause();
    setTimeout(() => client.socket.resume(), (chunk.length / bytesPerSecond) * 1000);
  });
  return client;
}

async function metric(s: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${s.server.wsPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name + " ") || l.startsWith(name + "{"));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

describe("limits that follow the address, not the connection", () => {
  it("reconnecting does not refill an address's budget: its lines are paced over all its connections and transports", async () => {
    await withServer({ exemptAddresses: [], rateLimit: 0, addressRateLimit: 20 }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await slowReader(s.port, "bob", 256 * 1024);
      const started = performance.now();
      for (let round = 0; round < 6; round++) {
        // Ten 900-byte lines per connection, then hang up and come back, alternating transports.
        if (round % 2 === 0) {
          const m = await ChatClient.join(s.port, `m${round}`, ATTACKER);
          for (let i = 0; i < 10; i++) m.send(`${round}.${i} ${LINE}`);
          m.socket.end();
        } else {
          const m = await WsClient.join(s.server.wsPort, `m${round}`, ATTACKER);
          for (let i = 0; i < 10; i++) m.send({ type: "say", text: `${round}.${i} ${LINE}` });
          m.socket.close();
        }
      }
      await bob.waitFor(/<m5> 5\.9 x/);
      const seconds = (performance.now() - started) / 1000;
      // 60 lines and 12 joins or leaves, 40 at once and then 20 a second: at least 1.6 s however fast they came.
      expect(seconds).toBeGreaterThanOrEqual(1.5);
      const flood = bob.lines.filter((l) => / <m\d> \d\.\d x/.test(l)).map((l) => (/ <m\d> (\d\.\d) /.exec(l) as RegExpExecArray)[1] as string);
      expect(flood).toHaveLength(60); // delayed, never dropped
      for (let round = 0; round < 6; round++) {
        expect(flood.filter((n) => n.startsWith(`${round}.`))).toEqual(Array.from({ length: 10 }, (_, i) => `${round}.${i}`)); // each sender's order
      }
      expect(bob.closed).toBe(false);
      alice.send("still here");
      await bob.waitFor(/<alice> still here$/);
      expect(await metric(s, "loopchat_address_lines_delayed_total")).toBeGreaterThan(0);
    });
  });

  it("a flood from several connections of one address reaches the room at the address's rate; a reader at 256 KB/s stays", async () => {
    await withServer({ exemptAddresses: [], rateLimit: 0, addressRateLimit: 20 }, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await slowReader(s.port, "bob", 256 * 1024);
      const flooders = await Promise.all([0, 1, 2, 3].map((i) => ChatClient.join(s.port, `flood${i}`, ATTACKER)));
      const started = performance.now();
      for (const f of flooders) f.socket.write(Array.from({ length: 300 }, (_, i) => `${i} ${LINE}\r\n`).join(""));
      const flood = (): number => bob.lines.filter((l) => / <flood\d> \d+ x/.test(l)).length;
      await bob.until(() => flood() >= 80, "80 lines of the flood");
      // 1,200 lines offered at once; 40 pass at once, then 20 a second, over all four connections.
      expect((performance.now() - started) / 1000).toBeGreaterThanOrEqual(1.9);
      alice.send("during the flood");
      await bob.waitFor(/<alice> during the flood$/);
      expect(bob.closed).toBe(false);
      expect(bob.lines.some((l) => l.includes("not reading fast enough"))).toBe(false);
      for (const f of flooders) f.close();
      alice.send("after the flood");
      await bob.waitFor(/<alice> after the flood$/);
    });
  });

  it("joins and quits are not free: new connections from one address are throttled, and told when to come back", async () => {
    await withServer({ exemptAddresses: [], connectsPerMinute: 30 }, async (s) => {
      const watcher = await ChatClient.join(s.port, "watcher");
      const refusals: string[] = [];
      for (let i = 0; i < 40; i++) {
        const c = await ChatClient.open(s.port, ATTACKER);
        await c.until(() => c.partial === "Username: " || c.closed, "a prompt or a refusal");
        if (c.closed) {
          refusals.push(c.lines.at(-1) ?? "");
          continue;
        }
        c.send(`j${i}`);
        await c.waitFor(/^\* Welcome/);
        c.send("/quit");
        await c.until(() => c.closed, "the quit");
      }
      const joins = watcher.lines.filter((l) => /^\* j\d+ joined/.test(l)).length;
      expect(joins).toBeLessThanOrEqual(32); // 30 at once, then one every 2 s
      expect(refusals.length).toBeGreaterThanOrEqual(8);
      expect(refusals[0]).toMatch(/^! too many new connections from your address; try again in \d+ s$/);
      expect(await metric(s, 'loopchat_refused_connections_total{reason="throttled"}')).toBe(refusals.length);
      const other = await ChatClient.join(s.port, "other", "127.0.0.3"); // another address is not affected
      expect(other.closed).toBe(false);
    });
  });

  it("loopback is exempt by default (a reverse proxy on the same host carries every user)", async () => {
    await withServer({ rateLimit: 0, connectsPerMinute: 2, addressRateLimit: 1 }, async (s) => {
      const bob = await ChatClient.join(s.port, "bob");
      for (let i = 0; i < 4; i++) (await ChatClient.join(s.port, `c${i}`)).close();
      bob.send(Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\r\n"));
      await bob.waitFor(/<bob> line 49$/);
    });
  });
});
