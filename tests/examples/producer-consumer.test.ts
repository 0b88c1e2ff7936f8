import { describe, expect, it } from "vitest";
import { main, type QueueOptions } from "../../shared/examples/producer-consumer.js";
import { runExample, runScript } from "./helpers.js";

const GOT = /^(C\d+): got (P\d+)#(\d+)$/;

function allItems(producers: number, items: number): string[] {
  const all: string[] = [];
  for (let p = 1; p <= producers; p++) for (let s = 1; s <= items; s++) all.push(`P${p}#${s}`);
  return all.sort();
}

/** Checks what must hold for any run: each item consumed once, each producer's items in order. */
function checkConsumption(lines: string[], producers: number, items: number): void {
  const got = lines.flatMap((line) => {
    const m = GOT.exec(line);
    return m === null ? [] : [{ consumer: m[1] as string, producer: m[2] as string, seq: Number(m[3]) }];
  });
  expect(got.map((g) => `${g.producer}#${g.seq}`).sort()).toEqual(allItems(producers, items));
  for (let p = 1; p <= producers; p++) {
    const seqs = got.filter((g) => g.producer === `P${p}`).map((g) => g.seq);
    expect(seqs).toEqual(Array.from({ length: items }, (_, i) => i + 1));
  }
  // An item is got only after its producer called put: either put returned at once, or it was
  // blocked and a getter moved the item into the queue (another getter may take it before the
  // woken producer gets to print "put").
  for (const [i, line] of lines.entries()) {
    const m = GOT.exec(line);
    if (m === null) continue;
    const item = `${m[2]}#${m[3]}`;
    const before = lines.slice(0, i);
    expect(before.includes(`${m[2]}: put ${item}`) || before.some((l) => l.endsWith(`waiting to put ${item}`))).toBe(true);
  }
}

async function runQueue(options: QueueOptions) {
  return runExample((write, clock) => main({ ...options, write: (line) => write(`${clock.now()} ${line}`) }));
}

describe("producer / consumer over a bounded Queue (Algorithm #3)", () => {
  it("a put waits while the queue is full and a get while it is empty (exact virtual-time log)", async () => {
    const { value, lines } = await runQueue({ producers: 1, consumers: 1, maxsize: 1, items: 3, unitMs: 10 });
    expect(lines).toEqual([
      "0 C1: queue empty, waiting", // get parks: nothing to take yet
      "0 P1: put P1#1", // handed straight to the waiting consumer
      "0 C1: got P1#1",
      "10 P1: put P1#2", // the consumer is busy: P1#2 fills the one slot
      "20 P1: queue full (1/1), waiting to put P1#3",
      "30 C1: got P1#2", // the consumer frees the slot...
      "30 P1: put P1#3", // ...and only then does the blocked put return
      "40 P1: finished",
      "40 main: all producers done, queue closed",
      "60 C1: got P1#3", // the closed queue still hands out what it holds
      "90 C1: queue closed, consumed 3",
      "90 C1 consumed: P1#1 P1#2 P1#3",
    ]);
    expect(value.map((items) => items.map((it) => `${it.producer}#${it.seq}`))).toEqual([["P1#1", "P1#2", "P1#3"]]);
  });

  it("with the defaults (3 producers, 2 consumers, maxsize 2) every item is consumed once, in order per producer", async () => {
    const { value, lines } = await runQueue({});
    const text = lines.map((line) => line.replace(/^\d+ /, ""));
    checkConsumption(text, 3, 4);
    expect(value.flat()).toHaveLength(12);
    // Both consumers started by waiting on the empty queue.
    expect(text.slice(0, 2)).toEqual(["C1: queue empty, waiting", "C2: queue empty, waiting"]);
    // Every blocked put returned only after some consumer took an item.
    const blocked = text.flatMap((line, i) => (/waiting to put/.test(line) ? [i] : []));
    expect(blocked.length).toBeGreaterThan(0);
    for (const i of blocked) {
      const item = (/waiting to put (P\d+#\d+)/.exec(text[i] as string) as RegExpExecArray)[1] as string;
      const producer = item.split("#")[0] as string;
      const resumed = text.indexOf(`${producer}: put ${item}`, i);
      expect(resumed).toBeGreaterThan(i);
      expect(text.slice(i + 1, resumed).some((line) => GOT.test(line))).toBe(true);
    }
    // The queue is closed only after the producers finished; the consumers drain it and stop.
    const closedAt = text.indexOf("main: all producers done, queue closed");
    for (const p of ["P1", "P2", "P3"]) expect(text.indexOf(`${p}: finished`)).toBeLessThan(closedAt);
    const ends = text.filter((line) => /queue closed, consumed/.test(line));
    expect(ends.map((line) => Number(/consumed (\d+)/.exec(line)?.[1])).reduce((a, b) => a + b, 0)).toBe(12);
    // Virtual time makes the whole interleaving reproducible.
    expect((await runQueue({})).lines).toEqual(lines);
  });

  it("runs as a program (npm run example:queue)", async () => {
    const result = await runScript("producer-consumer.ts", ["--producers", "2", "--consumers", "3", "--items", "3", "--maxsize", "1", "--unit-ms", "2"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    checkConsumption(lines, 2, 3);
    expect(lines).toContain("main: all producers done, queue closed");
    expect(lines.filter((line) => /^C\d+ consumed: /.test(line))).toHaveLength(3);
  });
});
