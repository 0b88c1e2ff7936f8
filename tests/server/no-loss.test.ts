import { describe, expect, it } from "vitest";
import { ChatClient, startServer } from "./chat-client.js";
import { seededRandom } from "./text/chunking.js";

/**
 * The promise (issue 8): every message the server accepts reaches every member who was connected
 * for its whole life, in the server's order, unless that member was dropped. Checked under churn:
 * members join, talk, rename, quit and vanish (socket destroyed) at random while others talk.
 *
 * An observer that never leaves sees the server's one order of events. For every other member,
 * the messages between its own "joined" and "left" notices in the observer's stream are exactly
 * what it must have received, in that order; a member that quit (or is still there) received
 * exactly those, and one that vanished received a prefix of them (what was in flight when its
 * socket died is lost with it). No member receives a message twice.
 */

interface Member {
  client: ChatClient;
  /** Every name it has had (names are never reused, so any of them identifies it). */
  names: Set<string>;
  how: "stayed" | "quit" | "vanished";
  sent: number;
}

const MESSAGE = /> (m:\d+:\d+)$/;
const messagesIn = (lines: readonly string[]): string[] => lines.flatMap((l) => MESSAGE.exec(l)?.[1] ?? []);

describe("no message lost under churn", () => {
  it("joins, messages, renames, quits and abrupt disconnects: every member got exactly its share, in one order", async () => {
    const s = await startServer({ rateLimit: 0 });
    const next = seededRandom(20261125);
    try {
      const observer = await ChatClient.join(s.port, "observer");
      const members: Member[] = [];
      let nameCounter = 0;
      const live = (): Member[] => members.filter((m) => m.how === "stayed");
      const join = async (): Promise<void> => {
        const name = `u${nameCounter++}`;
        members.push({ client: await ChatClient.join(s.port, name), names: new Set([name]), how: "stayed", sent: 0 });
      };
      for (let i = 0; i < 10; i++) await join();

      for (let step = 0; step < 1_000; step++) {
        const roll = next();
        const present = live();
        const someone = present[Math.floor(next() * present.length)];
        if (roll < 0.7 && someone !== undefined) {
          // A burst of lines from one member, not awaited: they interleave with everything else.
          const id = members.indexOf(someone);
          for (let k = 0, n = 1 + Math.floor(next() * 5); k < n; k++) someone.client.send(`m:${id}:${someone.sent++}`);
        } else if (roll < 0.8 || present.length < 3) {
          await join();
        } else if (roll < 0.87 && someone !== undefined) {
          const name = `r${nameCounter++}`;
          someone.names.add(name);
          someone.client.send(`/nick ${name}`);
        } else if (roll < 0.94 && someone !== undefined) {
          someone.how = "quit";
          someone.client.send("/quit");
        } else if (someone !== undefined) {
          someone.how = "vanished";
          someone.client.socket.destroy();
        }
        if (step % 50 === 49) await new Promise((r) => setImmediate(r)); // let the sockets breathe
      }

      // The end: the observer's last line reaches everyone still there; quitters are gone.
      observer.send("m:999:0");
      await observer.waitFor(/> m:999:0$/);
      for (const m of members) {
        if (m.how === "stayed") await m.client.waitFor(/> m:999:0$/);
        if (m.how === "quit") await m.client.until(() => m.client.closed, "the quitter's connection to close");
      }

      const order = observer.lines;
      const position = (pattern: (line: string) => boolean, from: number): number => {
        for (let i = from; i < order.length; i++) if (pattern(order[i] as string)) return i;
        return order.length;
      };
      let checked = 0;
      for (const m of members) {
        const [first] = m.names;
        const joinedAt = position((l) => l.startsWith(`* ${first} joined (`), 0);
        expect(joinedAt, `the observer saw ${first} join`).toBeLessThan(order.length);
        const leftAt = position((l) => [...m.names].some((n) => l.startsWith(`* ${n} left (`)), joinedAt);
        const expected = messagesIn(order.slice(joinedAt + 1, leftAt));
        // After the welcome and its replay of recent history (the replay is not a delivery).
        const received = messagesIn(m.client.lines.slice(m.client.lines.findIndex((l) => l.startsWith("* Type a line"))));
        expect(new Set(received).size, `${first} received a message twice`).toBe(received.length);
        if (m.how === "vanished") expect(expected.slice(0, received.length), `${first} (vanished) got a prefix`).toEqual(received);
        else expect(received, `${first} (${m.how}) got exactly its share`).toEqual(expected);
        checked += expected.length;
      }
      expect(members.length).toBeGreaterThan(20);
      expect(members.filter((m) => m.how === "quit").length).toBeGreaterThan(0);
      expect(members.filter((m) => m.how === "vanished").length).toBeGreaterThan(0);
      expect(checked).toBeGreaterThan(5_000);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
