import { describe, expect, it } from "vitest";
import { Cancelled, all, race, scope, sleep, spawn, suspendForever, type Operation } from "../../shared/src/loop/index.js";
import { runVirtual, virtualLoop } from "./helpers.js";

function* after<T>(ms: number, value: T, log?: string[]): Operation<T> {
  try {
    yield* sleep(ms);
    log?.push(`finished ${String(value)}`);
    return value;
  } finally {
    if (log && ms > 0) log.push(`exit ${String(value)}`);
  }
}

function* failAfter(ms: number, message: string): Operation<never> {
  yield* sleep(ms);
  throw new Error(message);
}

describe("scope() — a nursery", () => {
  it("waits for every child before it returns the body's value", async () => {
    const { loop, clock } = virtualLoop();
    const result = await loop.run(function* () {
      const value = yield* scope(function* (s) {
        s.spawn(after(30, "a"));
        s.spawn(after(10, "b"));
        return "body value";
      });
      return `${value} @${clock.now()}`;
    });
    expect(result).toBe("body value @30");
  });

  it("when a child fails: siblings and the body are cancelled, clean-up runs, and the error is rethrown", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    const error = await loop.run(function* () {
      try {
        yield* scope(function* (s) {
          s.spawn(after(100, "sibling", log));
          s.spawn(failAfter(10, "child failed"));
          try {
            yield* sleep(1_000);
          } finally {
            log.push(`body cancelled @${clock.now()}`);
          }
        });
      } catch (e) {
        log.push(`caught @${clock.now()}`);
        return e;
      }
      return null;
    });
    expect((error as Error).message).toBe("child failed");
    expect(log).toEqual(["exit sibling", "body cancelled @10", "caught @10"]);
  });

  it("when the body fails, the children are cancelled and the body's error is rethrown", async () => {
    const log: string[] = [];
    await expect(
      runVirtual(function* () {
        yield* scope(function* (s) {
          s.spawn(after(100, "child", log));
          yield* sleep(5);
          throw new Error("body failed");
        });
      }),
    ).rejects.toThrow("body failed");
    expect(log).toEqual(["exit child"]);
  });

  it("when the task owning the scope is cancelled, the children are cancelled and waited for", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    await loop.run(function* () {
      const owner = spawn(
        scope(function* (s) {
          s.spawn(
            (function* () {
              try {
                yield* suspendForever();
              } finally {
                yield* sleep(7);
                log.push(`child clean-up done @${clock.now()}`);
              }
            })(),
          );
          yield* suspendForever();
        }),
      );
      yield* sleep(3);
      yield* owner.halt();
      log.push(`owner halted @${clock.now()}`);
      expect(owner.outcome).toBe("cancelled");
    });
    expect(log).toEqual(["child clean-up done @10", "owner halted @10"]);
  });

  it("children of a scope can be joined for their values", async () => {
    const sum = await runVirtual(function* () {
      return yield* scope(function* (s) {
        const tasks = [1, 2, 3].map((n) => s.spawn(after(n, n * 10)));
        let total = 0;
        for (const t of tasks) total += yield* t.join();
        return total;
      });
    });
    expect(sum).toBe(60);
  });

  it("a scope that has closed refuses new children", async () => {
    await expect(
      runVirtual(function* () {
        let leaked: { spawn: (op: Operation<unknown>) => unknown } | null = null;
        yield* scope(function* (s) {
          leaked = s;
        });
        (leaked as unknown as { spawn: (op: Operation<unknown>) => unknown }).spawn(after(1, "x"));
      }),
    ).rejects.toThrow(/closed scope/);
  });

  it("two children failing: the first error is raised and the second is reported, not dropped", async () => {
    const reported: string[] = [];
    const { loop } = virtualLoop({
      logger: { warn: () => {}, error: (fields) => reported.push(String((fields as { err: Error }).err.message)) },
    });
    await expect(
      loop.run(function* () {
        yield* scope(function* (s) {
          s.spawn(failAfter(5, "first"));
          s.spawn(
            (function* () {
              try {
                yield* suspendForever();
              } finally {
                throw new Error("second, during clean-up");
              }
            })(),
          );
        });
      }),
    ).rejects.toThrow("first");
    expect(reported).toEqual(["second, during clean-up"]);
  });
});

describe("all() and race()", () => {
  it("all returns every value in order", async () => {
    const values = await runVirtual(function* () {
      return yield* all([after(30, "slow"), after(10, 2), after(20, true)] as const);
    });
    expect(values).toEqual(["slow", 2, true]);
  });

  it("all fails fast: the first error cancels the rest", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    const outcome = await loop.run(function* () {
      try {
        yield* all([after(100, "x", log), failAfter(10, "boom")]);
        return "no error";
      } catch (e) {
        return `${(e as Error).message} @${clock.now()}`;
      }
    });
    expect(outcome).toBe("boom @10");
    expect(log).toEqual(["exit x"]);
  });

  it("race returns the first value and cancels the losers (they clean up first)", async () => {
    const log: string[] = [];
    const { loop, clock } = virtualLoop();
    const winner = await loop.run(function* () {
      const value = yield* race([after(50, "slow", log), after(5, "fast", log)]);
      return `${value} @${clock.now()}`;
    });
    expect(winner).toBe("fast @5");
    expect(log).toEqual(["finished fast", "exit fast", "exit slow"]);
  });

  it("race rethrows the error of the first to finish, when it failed", async () => {
    await expect(
      runVirtual(function* () {
        return yield* race([after(50, "slow"), failAfter(5, "fast failure")]);
      }),
    ).rejects.toThrow("fast failure");
  });

  it("race and all propagate the caller's cancellation to every child", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = spawn(race([after(100, "a", log), after(100, "b", log)]));
      yield* sleep(1);
      yield* task.halt();
      expect(task.error).toBeInstanceOf(Cancelled);
    });
    expect(log.sort()).toEqual(["exit a", "exit b"]);
  });
});
