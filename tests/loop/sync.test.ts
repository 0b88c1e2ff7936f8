import { describe, expect, it } from "vitest";
import { Event, Lock, Semaphore, sleep, spawn, type Operation } from "../../shared/src/loop/index.js";
import { runVirtual, virtualLoop } from "./helpers.js";

describe("Event", () => {
  it("wait parks until set, then every waiter wakes; waits after set return at once", async () => {
    const { loop, clock } = virtualLoop();
    const log: string[] = [];
    await loop.run(function* () {
      const ready = new Event();
      const waiters = [1, 2].map((n) =>
        spawn(
          (function* () {
            yield* ready.wait();
            log.push(`w${n} @${clock.now()}`);
          })(),
        ),
      );
      yield* sleep(5);
      ready.set();
      for (const w of waiters) yield* w.join();
      yield* ready.wait();
      log.push(`late @${clock.now()}`);
      ready.clear();
      expect(ready.isSet).toBe(false);
    });
    expect(log).toEqual(["w1 @5", "w2 @5", "late @5"]);
  });
});

describe("Semaphore and Lock", () => {
  it("a semaphore lets at most N tasks in at once, and serves waiters in FIFO order", async () => {
    const log: string[] = [];
    let inside = 0;
    let most = 0;
    const { loop, clock } = virtualLoop();
    function* user(sem: Semaphore, name: string): Operation<void> {
      yield* sem.hold(
        (function* () {
          inside++;
          most = Math.max(most, inside);
          log.push(`${name} in @${clock.now()}`);
          yield* sleep(10);
          inside--;
        })(),
      );
    }
    await loop.run(function* () {
      const sem = new Semaphore(2);
      const tasks = ["a", "b", "c", "d", "e"].map((n) => spawn(user(sem, n)));
      for (const t of tasks) yield* t.join();
      expect(sem.available).toBe(2);
    });
    expect(most).toBe(2);
    expect(log).toEqual(["a in @0", "b in @0", "c in @10", "d in @10", "e in @20"]);
  });

  it("a permit handed to a waiter that is cancelled before it runs passes to the next waiter", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const sem = new Semaphore(0);
      const first = spawn(sem.acquire());
      const second = spawn(
        (function* () {
          yield* sem.acquire();
          log.push("second acquired");
        })(),
      );
      yield* sleep(1);
      sem.release(); // handed to `first`...
      first.cancel(); // ...cancelled before it ran
      yield* second.join();
      expect(sem.available).toBe(0);
    });
    expect(log).toEqual(["second acquired"]);
  });

  it("a lock is released even when the guarded operation fails", async () => {
    await runVirtual(function* () {
      const lock = new Lock();
      try {
        yield* lock.hold(
          (function* () {
            expect(lock.locked).toBe(true);
            yield* sleep(1);
            throw new Error("inside");
          })(),
        );
      } catch {
        // expected
      }
      expect(lock.locked).toBe(false);
      expect(lock.tryAcquire()).toBe(true);
      expect(lock.tryAcquire()).toBe(false);
    });
  });
});
