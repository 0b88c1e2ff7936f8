import { describe, expect, it } from "vitest";
import { check, type Fate, type MemberRecord } from "../../bench/soak/checker.js";
import { OrderRecorder } from "../../bench/soak/order.js";
import { runSoak } from "../../bench/soak/soak.js";
import { Tally } from "../../bench/soak/tally.js";
import { startServer } from "../server/chat-client.js";

type Id = [sender: number, seq: number];

/** An observer's order: c1..c6 join, 30 messages, c3 renames, c4 quits after message 20. */
function sampleOrder(): { order: OrderRecorder; ids: Id[]; leftAt: number } {
  const order = new OrderRecorder();
  for (let i = 1; i <= 6; i++) order.line(`* c${i} joined (${i + 1} online)`);
  const ids: Id[] = [];
  const next = new Map<number, number>();
  const names = new Map<number, string>([1, 2, 3, 4, 5, 6].map((i) => [i, `c${i}`]));
  let leftAt = -1;
  for (let k = 0; k < 30; k++) {
    if (k === 10) {
      order.line("* c3 is now known as n3-1");
      names.set(3, "n3-1");
    }
    if (k === 20) {
      order.line("* c4 left (quit; 6 online)");
      leftAt = ids.length;
    }
    const sender = [1, 2, 3, 5, 6, 4][k % (k < 20 ? 6 : 5)] as number;
    const seq = next.get(sender) ?? 0;
    next.set(sender, seq + 1);
    order.line(`[12:00] <${names.get(sender)}> ~${sender}.${seq}`);
    ids.push([sender, seq]);
  }
  return { order, ids, leftAt };
}

function member(index: number, how: Fate, received: Id[], sent: number): MemberRecord {
  const tally = new Tally();
  for (const [sender, seq] of received) tally.add(sender, seq);
  return { index, how, welcomed: true, tally, sent, dropNotice: false, foreign: 0, firstForeign: null };
}

describe("the soak's checker", () => {
  it("accepts exact shares and prefixes, and names each sabotage: a missing message, a duplicate, a swap", () => {
    const { order, ids, leftAt } = sampleOrder();
    const sent = (index: number): number => order.acceptedFrom.get(index) ?? 0;
    expect(order.problems).toEqual([]);

    const honest = [
      member(1, "stayed", ids, sent(1)),
      member(2, "stayed", ids, sent(2)),
      member(3, "stayed", ids, sent(3)),
      member(4, "quit", ids.slice(0, leftAt), sent(4)),
      member(5, "vanished", ids.slice(0, 17), sent(5) + 2), // its last two lines died with its socket
      member(6, "vanished", ids.slice(0, 25), sent(6)),
    ];
    const fine = check(order, honest);
    expect(fine.violations).toEqual([]);
    expect(fine.deliveriesChecked).toBe(30 * 3 + leftAt + 17 + 25);

    const swapped = [...ids];
    [swapped[7], swapped[8]] = [swapped[8] as Id, swapped[7] as Id];
    const sabotaged = [
      member(1, "stayed", [...ids.slice(0, 12), ...ids.slice(13)], sent(1)), // ~… (message 13) lost
      member(2, "stayed", [...ids.slice(0, 5), ids[4] as Id, ...ids.slice(5)], sent(2)), // message 5 twice
      member(3, "stayed", swapped, sent(3)), // messages 8 and 9 swapped
      member(4, "quit", ids.slice(0, leftAt), sent(4)),
      member(5, "vanished", ids.slice(0, 17), sent(5)),
      member(6, "vanished", [...ids.slice(0, 3), ...ids.slice(4, 20)], sent(6)), // a gap inside its prefix
    ];
    const { violations } = check(order, sabotaged);
    expect(violations.map((v) => [v.who, v.kind])).toEqual([
      ["c1", "missing"],
      ["c2", "duplicate"],
      ["c3", "out-of-order"],
      ["c6", "missing"],
    ]);
    const id = ([sender, seq]: Id): string => `~${sender}.${seq}`;
    expect(violations[0]?.detail).toContain(`${id(ids[12] as Id)} (#13 of its 30) never arrived`);
    expect(violations[1]?.detail).toContain(`${id(ids[4] as Id)} (#5 of its 30) arrived twice`);
    expect(violations[3]?.detail).toContain(`${id(ids[3] as Id)} (#4 of its 30) never arrived`);
  });

  it("also catches a lost tail, extra messages, an unexplained leave, and a server order that breaks a sender's order", () => {
    const { order, ids } = sampleOrder();
    const sent = (index: number): number => order.acceptedFrom.get(index) ?? 0;
    const { violations } = check(order, [
      member(1, "stayed", ids.slice(0, 26), sent(1)),
      member(2, "quit", ids, sent(2)), // it never left in the order
      member(3, "stayed", [...ids, [9, 0]], sent(3)),
      member(5, "stayed", ids, sent(5) + 1), // one of its lines never made it into the order
    ]);
    expect(violations.map((v) => [v.who, v.kind])).toEqual([
      ["c1", "missing"],
      ["c2", "quit-not-seen"],
      ["c3", "extra"],
      ["c5", "not-accepted"],
    ]);
    expect(violations[0]?.detail).toContain("the last 4 never arrived");

    order.line(`[12:01] <c1> ~1.3`); // c1's seq 3 again
    order.line(`[12:01] <c2> ~1.6`); // c1's next message, under c2's name
    expect(order.problems.map((p) => p.kind)).toEqual(["sender-order", "sender-name"]);
  });
});

describe("npm run soak, small", () => {
  it("200 clients with messages and churn for 4 s: every member got exactly its share", async () => {
    const s = await startServer({ rateLimit: 0 });
    try {
      const result = await runSoak({
        host: "127.0.0.1",
        port: s.port,
        clients: 200,
        durationMs: 4_000,
        seed: 20261126,
        messagesPerSecond: 200,
        churnPerSecond: 15,
        connectConcurrency: 50,
        rampDeadlineMs: 20_000,
        drainDeadlineMs: 20_000,
        serverAccepted: async () => s.server.room.counters.messagesIn,
      });
      expect(result.violations).toEqual([]);
      expect(result.incomplete).toEqual([]);
      expect(result.deliveriesChecked).toBeGreaterThan(50_000);
      expect(result.serverAccepted).toBe(result.messagesAccepted);
      expect(result.joins).toBeGreaterThan(0);
      expect(result.quits).toBeGreaterThan(0);
      expect(result.renames).toBeGreaterThan(0);
      expect(result.vanished).toBeGreaterThan(0);
      expect(result.droppedByServer).toBe(0);
    } finally {
      await s.stop();
    }
  }, 60_000);
});
