import { describe, expect, it } from "vitest";
import { Cancelled, Queue, QueueClosed, sleep, spawn, timeout, TimeoutError, type Operation } from "../../shared/src/loop/index.js";
import { runVirtual, virtualLoop } from "./helpers.js";

function* collect<T>(q: Queue<T>, n: number, into: T[]): Operation<void> {
  for (let i = 0; i < n; i++) into.push(yield* q.get());
}

describe("Queue (Algorithm #3)", () => {
  it("get parks while the queue is empty and wakes when an item is put", async () => {
    const { loop, clock } = virtualLoop();
    const got = await loop.run(function* () {
      const q = new Queue<string>();
      const consumer = spawn(
        (function* () {
          const item = yield* q.get();
          return `${item} @${clock.now()}`;
        })(),
      );
      yield* sleep(25);
      yield* q.put("hello");
      return yield* consumer.join();
    });
    expect(got).toBe("hello @25");
  });

  it("keeps items in FIFO order", async () => {
    const got: number[] = [];
    await runVirtual(function* () {
      const q = new Queue<number>();
      for (let i = 0; i < 100; i++) q.tryPut(i);
      yield* collect(q, 100, got);
    });
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("serves waiting getters first come, first served", async () => {
    const order: string[] = [];
    await runVirtual(function* () {
      const q = new Queue<number>();
      const getters = ["g1", "g2", "g3"].map((name) =>
        spawn(
          (function* () {
            const item = yield* q.get();
            order.push(`${name}:${item}`);
          })(),
        ),
      );
      yield* sleep(1); // all three are parked, in order
      for (let i = 1; i <= 3; i++) q.tryPut(i);
      for (const g of getters) yield* g.join();
    });
    expect(order).toEqual(["g1:1", "g2:2", "g3:3"]);
  });

  it("a bounded queue parks put while full and admits blocked putters in order", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    await loop.run(function* () {
      const q = new Queue<string>(2);
      const producer = spawn(
        (function* () {
          for (const item of ["a", "b", "c", "d"]) {
            yield* q.put(item);
            log.push(`put ${item} @${clock.now()}`);
          }
        })(),
      );
      yield* sleep(10);
      expect(q.size).toBe(2);
      expect(q.full).toBe(true);
      const got: string[] = [];
      yield* collect(q, 4, got);
      log.push(`got ${got.join("")}`);
      yield* producer.join();
    });
    expect(log).toEqual(["put a @0", "put b @0", "put c @10", "put d @10", "got abcd"]);
  });

  it("tryPut and tryGet never wait", async () => {
    await runVirtual(function* () {
      const q = new Queue<number>(1);
      expect(q.tryGet()).toBeUndefined();
      expect(q.tryPut(1)).toBe(true);
      expect(q.tryPut(2)).toBe(false);
      expect(q.tryGet()).toBe(1);
      yield* sleep(0);
    });
  });

  it("a cancelled getter is taken out of line and never receives (and loses) an item", async () => {
    const got: string[] = [];
    await runVirtual(function* () {
      const q = new Queue<string>();
      const first = spawn(q.get(), { name: "cancelled-getter" });
      const second = spawn(
        (function* () {
          got.push(yield* q.get());
        })(),
      );
      yield* sleep(1);
      yield* first.halt();
      q.tryPut("item");
      yield* second.join();
    });
    expect(got).toEqual(["item"]);
  });

  it("an item handed to a getter that is cancelled before it runs goes to the next getter", async () => {
    const got: string[] = [];
    await runVirtual(function* () {
      const q = new Queue<string>();
      const first = spawn(q.get(), { name: "first" });
      const second = spawn(
        (function* () {
          got.push(yield* q.get());
        })(),
      );
      yield* sleep(1);
      q.tryPut("precious"); // handed to `first`...
      first.cancel(); // ...which is cancelled before it could run
      yield* second.join();
      expect(first.outcome).toBe("cancelled");
    });
    expect(got).toEqual(["precious"]);
  });

  it("an item handed to a getter whose timeout expires at the same moment stays in the queue", async () => {
    const { loop } = virtualLoop();
    await loop.run(function* () {
      const q = new Queue<string>();
      const waiter = spawn(timeout(10, q.get()));
      yield* sleep(10); // the timeout and this wake-up are due together; the timeout fires first
      q.tryPut("kept");
      try {
        yield* waiter.join();
      } catch (e) {
        expect(e).toBeInstanceOf(TimeoutError);
      }
      expect(q.size + (waiter.outcome === "returned" ? 1 : 0)).toBe(1); // delivered or still queued: never lost
    });
  });

  it("close wakes every parked getter and putter with QueueClosed; get drains what is left first", async () => {
    const outcomes: string[] = [];
    function* record(op: Operation<unknown>): Operation<void> {
      try {
        yield* op;
      } catch (e) {
        outcomes.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    await runVirtual(function* () {
      const empty = new Queue<number>();
      const getter = spawn(record(empty.get()));
      const full = new Queue<number>(1);
      full.tryPut(1);
      const putter = spawn(record(full.put(2)));
      yield* sleep(1);
      empty.close();
      full.close("shutting down");
      yield* getter.join();
      yield* putter.join();
      outcomes.push(`drained ${yield* full.get()}`);
      yield* record(full.get());
      expect(() => full.tryPut(3)).toThrow(QueueClosed);
    });
    expect(outcomes).toEqual([
      "QueueClosed: queue is closed",
      "QueueClosed: shutting down",
      "drained 1",
      "QueueClosed: shutting down",
    ]);
  });

  it("a cancelled putter's item is not added", async () => {
    await runVirtual(function* () {
      const q = new Queue<string>(1);
      q.tryPut("kept");
      const putter = spawn(q.put("dropped"));
      yield* sleep(1);
      yield* putter.halt();
      expect(putter.error).toBeInstanceOf(Cancelled);
      expect(q.tryGet()).toBe("kept");
      expect(q.size).toBe(0);
    });
  });

  it("moves a million items between two tasks without losing or reordering one", async () => {
    const n = 1_000_000;
    const result = await runVirtual(function* () {
      const q = new Queue<number>(64);
      const consumer = spawn(
        (function* () {
          let expected = 0;
          for (let i = 0; i < n; i++) {
            if ((yield* q.get()) !== expected) return false;
            expected++;
          }
          return true;
        })(),
      );
      for (let i = 0; i < n; i++) yield* q.put(i);
      return yield* consumer.join();
    });
    expect(result).toBe(true);
  });

  it("rejects a maxsize below 1", () => {
    expect(() => new Queue(0)).toThrow(RangeError);
  });
});
