/**
 * Algorithm #3 (the asynchronous queue): "for consumers: if the queue is empty then sleep and
 * wait, otherwise pop the value. For producers: push the value; if the queue was empty, wake up
 * any of the consumers waiting for the queue."
 *
 * Our Queue is also bounded (asyncio's `Queue(maxsize)`): a producer that finds it full sleeps
 * until a consumer takes an item. Producers here are faster than consumers, so the queue fills
 * up and `put` waits; at the start consumers find it empty and `get` waits. When every producer
 * has finished, the queue is closed: consumers drain what is left, then `get` throws QueueClosed.
 *
 *   npm run example:queue -- [--producers 3] [--consumers 2] [--items 4] [--maxsize 2] [--unit-ms 50]
 */
import { parseArgs } from "node:util";
import { Queue, QueueClosed, run, sleep, spawn, type Operation } from "../src/loop/index.js";
import { numberArg, runIfMain, toStdout, type Write } from "./cli.js";

export interface Item {
  producer: string;
  seq: number;
}

/** Puts `items` items, one every `intervalMs`; says when it has to wait because the queue is full. */
export function* producer(name: string, q: Queue<Item>, items: number, intervalMs: number, write: Write): Operation<void> {
  for (let seq = 1; seq <= items; seq++) {
    const item = { producer: name, seq };
    if (q.full) write(`${name}: queue full (${q.size}/${q.maxsize}), waiting to put ${name}#${seq}`);
    yield* q.put(item); // hands it to a waiting consumer, or sleeps while full until a get makes room
    write(`${name}: put ${name}#${seq}`);
    yield* sleep(intervalMs);
  }
  write(`${name}: finished`);
}

/** Takes items until the queue is closed and empty; each item takes `workMs` to handle. */
export function* consumer(name: string, q: Queue<Item>, workMs: number, write: Write): Operation<Item[]> {
  const got: Item[] = [];
  try {
    for (;;) {
      if (q.size === 0 && !q.closed) write(`${name}: queue empty, waiting`);
      const item = yield* q.get(); // "if the queue is empty then sleep and wait"
      write(`${name}: got ${item.producer}#${item.seq}`);
      got.push(item);
      yield* sleep(workMs);
    }
  } catch (error) {
    if (!(error instanceof QueueClosed)) throw error;
  }
  write(`${name}: queue closed, consumed ${got.length}`);
  return got;
}

export interface QueueOptions {
  producers?: number;
  consumers?: number;
  items?: number;
  maxsize?: number;
  unitMs?: number;
  write?: Write;
}

/** Starts the consumers, then the producers; closes the queue once every producer is done. */
export function* main({
  producers = 3,
  consumers = 2,
  items = 4,
  maxsize = 2,
  unitMs = 50,
  write = toStdout,
}: QueueOptions = {}): Operation<Item[][]> {
  const q = new Queue<Item>(maxsize);
  // Consumers are slower (3 units per item) than producers (1 unit between puts).
  const cs = Array.from({ length: consumers }, (_, i) => spawn(consumer(`C${i + 1}`, q, 3 * unitMs, write), { name: `C${i + 1}` }));
  const ps = Array.from({ length: producers }, (_, i) => spawn(producer(`P${i + 1}`, q, items, unitMs, write), { name: `P${i + 1}` }));
  for (const p of ps) yield* p.join();
  q.close("all producers are done");
  write("main: all producers done, queue closed");
  const consumed: Item[][] = [];
  for (const c of cs) consumed.push(yield* c.join());
  consumed.forEach((got, i) => write(`C${i + 1} consumed: ${got.map((it) => `${it.producer}#${it.seq}`).join(" ") || "nothing"}`));
  return consumed;
}

runIfMain(import.meta.url, async () => {
  const text = { type: "string" } as const;
  const { values } = parseArgs({ options: { producers: text, consumers: text, items: text, maxsize: text, "unit-ms": text } });
  await run(
    main({
      producers: numberArg(values.producers, 3, "producers"),
      consumers: numberArg(values.consumers, 2, "consumers", 1),
      items: numberArg(values.items, 4, "items"),
      maxsize: numberArg(values.maxsize, 2, "maxsize", 1),
      unitMs: numberArg(values["unit-ms"], 50, "unit-ms", 0),
    }),
  );
});
