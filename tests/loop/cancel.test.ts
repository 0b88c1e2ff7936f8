import { describe, expect, it } from "vitest";
import {
  Cancelled,
  currentTask,
  park,
  Queue,
  TimeoutError,
  sleep,
  spawn,
  suspendForever,
  timeout,
  yieldNow,
  type Operation,
} from "../../shared/src/loop/index.js";
import { runVirtual, virtualLoop } from "./helpers.js";

describe("task.cancel()", () => {
  it("throws Cancelled where the task is parked; finally blocks run and may wait during clean-up", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    function* inner(): Operation<void> {
      try {
        yield* sleep(1_000);
        log.push("not reached");
      } finally {
        log.push(`inner finally @${clock.now()}`);
        yield* sleep(3); // clean-up that waits must not lose the cancellation
        log.push(`inner clean-up done @${clock.now()}`);
      }
    }
    function* outer(): Operation<void> {
      try {
        yield* inner();
        log.push("outer continued (must not happen)");
        yield* sleep(1_000);
      } finally {
        log.push(`outer finally @${clock.now()}`);
      }
    }
    await loop.run(function* () {
      const task = spawn(outer());
      yield* sleep(10);
      task.cancel();
      yield* task.halt();
      log.push(`halted @${clock.now()}`);
    });
    expect(log).toEqual([
      "inner finally @10",
      "inner clean-up done @13",
      "outer finally @13",
      "halted @13",
    ]);
  });

  it("a task cancelled before it ever ran does not run at all", async () => {
    let ran = false;
    const outcome = await runVirtual(function* () {
      const task = spawn(
        (function* () {
          ran = true;
          yield;
        })(),
      );
      task.cancel();
      yield* task.halt();
      return task.outcome;
    });
    expect(ran).toBe(false);
    expect(outcome).toBe("cancelled");
  });

  it("a running task that only yields (CPU-bound, Algorithm #1) is cancelled at its next yield", async () => {
    let iterations = 0;
    await runVirtual(function* () {
      const busy = spawn(
        (function* () {
          for (;;) {
            iterations++;
            yield* yieldNow();
          }
        })(),
      );
      for (let i = 0; i < 5; i++) yield* yieldNow();
      busy.cancel();
      yield* busy.halt();
    });
    expect(iterations).toBeGreaterThan(0);
    expect(iterations).toBeLessThan(10);
  });

  it("a task may catch Cancelled and return a value of its own", async () => {
    const value = await runVirtual(function* () {
      const task = spawn(
        (function* () {
          try {
            yield* suspendForever();
          } catch (e) {
            if (e instanceof Cancelled) return "stopped politely";
            throw e;
          }
        })(),
      );
      yield* sleep(1);
      task.cancel();
      return yield* task.join();
    });
    expect(value).toBe("stopped politely");
  });

  it("cancelling twice or after the end does nothing", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = spawn(
        (function* () {
          try {
            yield* suspendForever();
          } finally {
            log.push("cleaning");
            yield* sleep(5);
            log.push("cleaned"); // a second cancel() must not interrupt the clean-up
          }
        })(),
      );
      yield* sleep(1);
      task.cancel();
      yield* sleep(1);
      task.cancel();
      yield* task.halt();
      task.cancel();
    });
    expect(log).toEqual(["cleaning", "cleaned"]);
  });

  it("a task woken with a value gets it; the cancellation arrives at its next suspension point", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const waiter = spawn(
        (function* () {
          const me = currentTask();
          const value = yield park(me, "a custom wait", null);
          log.push(`got ${String(value)}`);
          try {
            yield* sleep(1);
            log.push("not reached");
          } catch (e) {
            log.push(e instanceof Cancelled ? "cancelled at the next wait" : String(e));
          }
        })(),
      );
      yield* sleep(1);
      waiter.loop.wake(waiter, "the value"); // woken...
      waiter.cancel(); // ...then cancelled before it ran
      yield* waiter.halt();
    });
    expect(log).toEqual(["got the value", "cancelled at the next wait"]);
  });
});

describe("timeout(ms, op)", () => {
  it("raises TimeoutError after cancelling the inner operation, whose clean-up runs first", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    function* slowWork(): Operation<string> {
      try {
        yield* sleep(1_000);
        return "finished";
      } finally {
        yield* sleep(2);
        log.push(`inner cleaned up @${clock.now()}`);
      }
    }
    await loop.run(function* () {
      try {
        yield* timeout(50, slowWork());
      } catch (e) {
        log.push(`${(e as Error).name} @${clock.now()}`);
        expect(e).toBeInstanceOf(TimeoutError);
      }
    });
    expect(log).toEqual(["inner cleaned up @52", "TimeoutError @52"]);
  });

  it("returns the value when the operation finishes in time, and leaves no timer behind", async () => {
    const { loop } = virtualLoop();
    const value = await loop.run(function* () {
      const v = yield* timeout(50, (function* () {
        yield* sleep(10);
        return 42;
      })());
      expect(loop.pendingTimers).toBe(0);
      yield* sleep(100); // past the old deadline: nothing fires
      return v;
    });
    expect(value).toBe(42);
  });

  it("passes the operation's own error through unchanged", async () => {
    await expect(
      runVirtual(function* () {
        yield* timeout(50, (function* () {
          yield* sleep(1);
          throw new SyntaxError("own error");
        })());
      }),
    ).rejects.toThrow(SyntaxError);
  });

  it("nested timeouts: the one that expires is the one that raises", async () => {
    const { loop, clock } = virtualLoop();
    const results = await loop.run(function* () {
      const out: string[] = [];
      try {
        yield* timeout(100, timeout(10, sleep(1_000)));
      } catch (e) {
        out.push(`inner expired: ${(e as TimeoutError).ms} @${clock.now()}`);
      }
      try {
        yield* timeout(10, timeout(100, sleep(1_000)));
      } catch (e) {
        out.push(`outer expired: ${(e as TimeoutError).ms} @${clock.now()}`);
      }
      return out;
    });
    expect(results).toEqual(["inner expired: 10 @10", "outer expired: 10 @20"]);
  });

  it("a timeout in a task that is cancelled meanwhile ends with the task's Cancelled, not TimeoutError", async () => {
    const error = await runVirtual(function* () {
      const task = spawn(timeout(1_000, suspendForever()));
      yield* sleep(5);
      task.cancel();
      try {
        yield* task.join();
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(error).toBeInstanceOf(Cancelled);
  });

  it("clean-up may use its own timeout after a cancellation", async () => {
    const { loop, clock } = virtualLoop();
    const log: string[] = [];
    await loop.run(function* () {
      const task = spawn(
        (function* () {
          try {
            yield* suspendForever();
          } finally {
            try {
              yield* timeout(20, suspendForever()); // e.g. a goodbye that may never be acknowledged
            } catch (e) {
              log.push(`clean-up gave up: ${(e as Error).name} @${clock.now()}`);
            }
          }
        })(),
      );
      yield* sleep(5);
      yield* task.halt();
    });
    expect(log).toEqual(["clean-up gave up: TimeoutError @25"]);
  });
});

describe("interrupts when the loop runs late (found by the model test)", () => {
  // A late loop (a step that blocked, here VirtualClock.advance) fires several timers in one turn.
  // An interrupt that arrives while a timeout's expiry is pending must wait its turn: if it were
  // dropped, and the timeout then withdrew its own expiry, neither would arrive.

  it("a child that fails still interrupts its parent when the parent's timeout expiry is pending", async () => {
    const { loop, clock } = virtualLoop();
    const outcome = loop.run(function* () {
      spawn(
        (function* (): Operation<never> {
          yield* sleep(4);
          throw new Error("child failed");
        })(),
      );
      spawn(
        (function* (): Operation<void> {
          clock.advance(7); // timers at 4, 5 and 6 ms fall due in one turn
        })(),
      );
      yield* timeout(6, sleep(5)); // woken by the sleep, then its expiry (6 ms) becomes pending
      yield* new Queue<number>().get(); // must be interrupted here, not park forever
      return "resolved";
    });
    await expect(outcome).rejects.toThrow("child failed");
  });

  it("an outer timeout still fires when an inner one's expiry was pending and withdrawn", async () => {
    const { loop, clock } = virtualLoop();
    const outcome = loop.run(function* () {
      try {
        yield* timeout(
          3,
          (function* (): Operation<void> {
            spawn(
              (function* (): Operation<void> {
                clock.advance(3); // timers at 1, 2 and 3 ms fall due in one turn
              })(),
            );
            yield* timeout(2, sleep(1)); // the sleep wins; the inner expiry is left pending, then withdrawn
            yield* new Queue<number>().get(); // the outer timeout must cancel this
          })(),
        );
        return "not reached";
      } catch (error) {
        if (error instanceof TimeoutError) return "outer timeout";
        throw error;
      }
    });
    await expect(outcome).resolves.toBe("outer timeout");
  });
});
