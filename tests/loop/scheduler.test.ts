import { describe, expect, it, vi } from "vitest";
import { BadYield, Deadlock, Loop, Queue, run, sleep, spawn, timeout, yieldNow, type Operation } from "../../shared/src/loop/index.js";
import { runVirtual, virtualLoop } from "./helpers.js";
import { eventually, Waiters } from "../helpers/waiters.js";

function* worker(name: string, steps: number, log: string[]): Operation<void> {
  for (let i = 0; i < steps; i++) {
    log.push(`${name}${i}`);
    yield; // Algorithm #1: back of the line
  }
}

describe("the scheduler", () => {
  it("runs ready tasks round-robin: a task that yields goes to the back of the ready queue", async () => {
    const log: string[] = [];
    await run(function* () {
      const a = spawn(worker("a", 3, log));
      const b = spawn(worker("b", 3, log));
      const c = spawn(worker("c", 2, log));
      yield* a.join();
      yield* b.join();
      yield* c.join();
    });
    expect(log).toEqual(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2"]);
  });

  it("wakes sleepers in deadline order, and equal deadlines in the order they were set", async () => {
    const log: string[] = [];
    function* napper(name: string, ms: number): Operation<void> {
      yield* sleep(ms);
      log.push(name);
    }
    await runVirtual(function* () {
      const tasks = [
        spawn(napper("late", 30)),
        spawn(napper("first-10", 10)),
        spawn(napper("second-10", 10)),
        spawn(napper("third-10", 10)),
        spawn(napper("early", 5)),
      ];
      for (const t of tasks) yield* t.join();
    });
    expect(log).toEqual(["early", "first-10", "second-10", "third-10", "late"]);
  });

  it("interleaves countdown and countup by their sleeps, as in the lecture's Algorithm #2", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    function* countdown(n: number): Operation<void> {
      while (n > 0) {
        log.push(`down ${n} @${clock.now()}`);
        yield* sleep(2);
        n--;
      }
    }
    function* countup(n: number): Operation<void> {
      for (let x = 1; x <= n; x++) {
        log.push(`up ${x} @${clock.now()}`);
        yield* sleep(4);
      }
    }
    await loop.run(function* () {
      const down = spawn(countdown(3));
      const up = spawn(countup(2));
      yield* down.join();
      yield* up.join();
    });
    // At t=4 both wake; countup's timer was set first (at t=0), so it goes first.
    expect(log).toEqual(["down 3 @0", "up 1 @0", "down 2 @2", "up 2 @4", "down 1 @4"]);
  });

  it("virtual time jumps to the next deadline at once, so an hour-long sleep takes no real time", async () => {
    const { loop, clock } = virtualLoop();
    const startedAt = Date.now();
    const virtualElapsed = await loop.run(function* () {
      yield* sleep(3_600_000);
      return clock.now();
    });
    expect(virtualElapsed).toBe(3_600_000);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it("with I/O being waited on, virtual time first gives real I/O a moment, then jumps", async () => {
    const { loop, clock } = virtualLoop();
    const startedAt = Date.now();
    await loop.run(function* () {
      const release = loop.host.addWaker(); // as an open socket would
      try {
        yield* sleep(3_600_000);
      } finally {
        release();
      }
    });
    expect(clock.now()).toBe(3_600_000);
    expect(Date.now() - startedAt).toBeLessThan(5_000); // autojumpAfterMs (20 ms), not an hour
  });

  it("timers far in the future are clamped for libuv instead of firing at once", async () => {
    // Node's setTimeout takes at most 2^31-1 ms; asked for more, it fires after 1 ms (and a loop
    // that re-armed it would turn every millisecond). So: what the loop asks libuv for.
    const hostTimers = vi.spyOn(globalThis, "setTimeout"); // calls through, recording the delays
    try {
      const loop = new Loop();
      const stop = new Queue<null>();
      const done = loop.run(function* () {
        const release = loop.host.addWaker(); // the stop signal comes from outside
        const far = spawn(sleep(2 ** 32), { name: "far sleeper" }); // longer than setTimeout accepts
        yield* stop.get();
        yield* far.halt();
        release();
        return far.outcome;
      });
      await eventually(() => loop.pendingTimers === 1 && loop.waitingFor === "timer", "the loop to arm a host timer for the far sleeper", { seen: () => loop.dump() });
      const farDelays = hostTimers.mock.calls.map(([, ms]) => ms ?? 0).filter((ms) => ms > 2 ** 30);
      expect(farDelays).toEqual([2 ** 31 - 1]); // asked once, for the longest delay Node honours
      expect(loop.tasks().find((t) => t.name === "far sleeper")).toMatchObject({ state: "parked", waitingOn: `sleep ${2 ** 32} ms` });
      stop.tryPut(null);
      expect(await done).toBe("cancelled");
    } finally {
      hostTimers.mockRestore();
    }
  });

  it("sleep(Infinity) parks until cancelled, and NaN delays are a clear error", async () => {
    await runVirtual(function* () {
      const forever = spawn(sleep(Infinity));
      yield* sleep(1_000);
      expect(forever.state).toBe("parked");
      yield* forever.halt();
      expect(forever.outcome).toBe("cancelled");
      let error: unknown = null;
      try {
        yield* sleep(NaN);
        yield* timeout(NaN, sleep(1));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RangeError);
    });
  });

  it("sleeps at least the requested time on the real clock", async () => {
    const before = performance.now();
    await run(function* () {
      yield* sleep(20);
    });
    expect(performance.now() - before).toBeGreaterThanOrEqual(19);
  });

  it("runs a bounded batch per libuv turn, so I/O callbacks get a turn while tasks stay busy", async () => {
    let immediateRanAtStep = -1;
    const loop = new Loop({ batch: 64 });
    await loop.run(function* () {
      setImmediate(() => {
        immediateRanAtStep = loop.stats.steps;
      });
      for (let i = 0; i < 1_000; i++) yield* yieldNow();
    });
    expect(immediateRanAtStep).toBeGreaterThan(0);
    expect(immediateRanAtStep).toBeLessThan(500); // not starved until the busy task finished
    expect(loop.stats.turns).toBeGreaterThan(10);
  });

  it("asks libuv for nothing while it waits only for I/O, and a timer only while someone sleeps", async () => {
    const loop = new Loop();
    const inbox = new Queue<string>();
    const seen: string[] = [];
    const taken = new Waiters(() => `taken: ${JSON.stringify(seen)}\n${loop.dump()}`);
    const done = loop.run(function* () {
      const release = loop.host.addWaker(); // what a socket watcher does
      try {
        seen.push(yield* inbox.get()); // parked: only an outside callback can wake us
        taken.notify();
        yield* sleep(5); // parked on a timer
        seen.push(yield* inbox.get());
      } finally {
        release();
      }
    });
    const parkedOnInbox = (): Promise<void> => eventually(() => inbox.waitingGetters === 1, "the task to park on the inbox", { seen: () => loop.dump() });
    await parkedOnInbox();
    expect(loop.waitingFor).toBe("io");
    inbox.tryPut("first"); // from outside the loop, like an I/O callback
    // The step that takes "first" goes on to sleep; this resumes once that turn has handed the
    // wait to libuv, before libuv can fire any timer (the 5 ms are too short to poll for).
    await taken.until(() => seen.length === 1, "the task to take the first item");
    expect(loop.pendingTimers).toBe(1);
    expect(loop.readyCount).toBe(0);
    expect(loop.waitingFor).toBe("timer");
    await parkedOnInbox();
    expect(loop.waitingFor).toBe("io");
    inbox.tryPut("second");
    await done;
    expect(seen).toEqual(["first", "second"]);
  });

  it("throws a clear BadYield into a coroutine that yields something other than an operation", async () => {
    const error = await run(function* (): Operation<unknown> {
      try {
        yield Promise.resolve(1) as never; // a common mistake: yield instead of yield*
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(BadYield);
    expect(String(error)).toMatch(/yield\*/);
  });

  it("reports a deadlock when tasks wait on each other", async () => {
    const error = await run(function* () {
      const q = new Queue<number>();
      spawn(
        (function* () {
          yield* q.get();
        })(),
        { name: "waiting-consumer" },
      );
      yield* q.get();
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Deadlock);
    expect(String((error as Error).message)).toContain("waiting-consumer [parked: Queue.get]");
  });
});


describe("a turn's time budget", () => {
  it("slow steps end a turn early, so that libuv polls I/O between them", async () => {
    const spin = (ms: number): void => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const loop = new Loop({ turnBudgetMs: 10, batch: 1024 });
    await loop.run(function* () {
      const tasks = Array.from({ length: 200 }, () =>
        spawn(
          (function* () {
            spin(1);
          })(),
        ),
      );
      for (const t of tasks) yield* t.join();
    });
    // 200 steps of 1 ms each: a turn stops past 10 ms, having checked the clock after 8 steps and
    // then after each, so it runs at most 11 of them (one turn would have held the thread 200 ms).
    expect(loop.stats.turns).toBeGreaterThanOrEqual(Math.ceil(200 / 11));
  });
});
