import { describe, expect, it } from "vitest";
import { ChatClient, startServer } from "./chat-client.js";

describe("load", () => {
  it("500 concurrent clients: every message reaches every member, in each sender's order", async () => {
    const s = await startServer({ maxClients: 1000, limits: { linesPerSecond: 1e6, burst: 1e6 } });
    const clients: ChatClient[] = [];
    try {
      const total = 500;
      for (let i = 0; i < total; i += 50) {
        clients.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => ChatClient.join(s.port, `user${i + k}`)))));
      }
      const senders = clients.slice(0, 20);
      const perSender = 10;
      senders.forEach((c, i) => {
        for (let k = 0; k < perSender; k++) c.send(`m ${i} ${k}`);
      });
      const expected = senders.length * perSender;
      const isMessage = (l: string): boolean => /^\[\d\d:\d\d\] <user\d+> m \d+ \d+$/.test(l);
      for (const c of clients) await c.until(() => c.lines.filter(isMessage).length >= expected, "every message", 60_000);
      let deliveries = 0;
      for (const c of clients) {
        const got = c.lines.filter(isMessage).map((l) => l.replace(/^.*> m /, "").split(" ").map(Number) as [number, number]);
        expect(got).toHaveLength(expected);
        deliveries += got.length;
        const next = new Array<number>(senders.length).fill(0);
        for (const [sender, k] of got) {
          expect(k).toBe(next[sender]); // per-sender order, nothing lost or duplicated
          next[sender] = k + 1;
        }
      }
      expect(deliveries).toBe(total * expected);
    } finally {
      for (const c of clients) c.close();
      await s.stop();
    }
  }, 120_000);
});
