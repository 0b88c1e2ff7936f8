import { describe, expect, it } from "vitest";
import { Cancelled, run, sleep, spawn, suspendForever, type Operation, type Task } from "../../shared/src/loop/index.js";
import { runVirtual } from "./helpers.js";

function* double(x: number): Operation<number> {
  yield* sleep(1);
  return x * 2;
}

function* fails(message: string): Operation<never> {
  yield* sleep(1);
  throw new Error(message);
}

describe("spawn and join", () => {
  it("join returns the child's value, typed, whether the child finished before or after the join", async () => {
    const values = await runVirtual(function* () {
      const slow = spawn(double(10));
      const fast = spawn((function* () { return 7; })());
      yield* sleep(5); // fast has finished by now, slow too
      const late = spawn(double(1));
      return [yield* fast.join(), yield* slow.join(), yield* late.join()];
    });
    expect(values).toEqual([7, 20, 2]);
  });

  it("join rethrows the child's error, with its stack intact", async () => {
    const error = await runVirtual(function* () {
      const child = spawn(fails("child broke"));
      try {
        yield* child.join();
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("child broke");
    expect((error as Error).stack).toContain("fails");
  });

  it("exceptions and finally blocks behave across yield* as in ordinary code", async () => {
    const log: string[] = [];
    function* inner(): Operation<number> {
      try {
        yield* sleep(1);
        throw new RangeError("inner");
      } finally {
        log.push("inner finally");
      }
    }
    function* outer(): Operation<string> {
      try {
        return String(yield* inner());
      } catch (e) {
        log.push(`outer caught ${(e as Error).name}`);
        return "recovered";
      } finally {
        log.push("outer finally");
      }
    }
    expect(await runVirtual(outer)).toBe("recovered");
    expect(log).toEqual(["inner finally", "outer caught RangeError", "outer finally"]);
  });

  it("several tasks can join the same task and all get its value", async () => {
    const got = await runVirtual(function* () {
      const shared = spawn(double(21));
      const a = spawn((function* () { return yield* shared.join(); })());
      const b = spawn((function* () { return yield* shared.join(); })());
      return [yield* a.join(), yield* b.join()];
    });
    expect(got).toEqual([42, 42]);
  });

  it("a joiner cancelled while it waits leaves the line: the others still get the value", async () => {
    const got = await runVirtual(function* () {
      const shared = spawn(double(21));
      const quitter = spawn((function* () { return yield* shared.join(); })());
      const stayer = spawn((function* () { return yield* shared.join(); })());
      yield* sleep(0); // both are parked in join
      yield* quitter.halt();
      expect(shared.joiners).toEqual([stayer]);
      return [quitter.outcome, yield* stayer.join()];
    });
    expect(got).toEqual(["cancelled", 42]);
  });

  it("gives tasks ids and names", async () => {
    await runVirtual(function* () {
      const named = spawn(double(1), { name: "doubler" });
      const anonymous = spawn(double(2));
      expect(named.name).toBe("doubler");
      expect(anonymous.name).toBe(`task-${anonymous.id}`);
      expect(anonymous.id).toBe(named.id + 1);
      expect(named.parent?.name).toBe("main");
      yield* named.join();
      yield* anonymous.join();
    });
  });

  it("a task cannot join itself", async () => {
    await expect(
      run(function* () {
        const holder: { self?: Task<void> } = {};
        holder.self = spawn(
          (function* (): Operation<void> {
            yield* sleep(1);
            yield* (holder.self as Task<void>).join();
          })(),
        );
        yield* holder.self.join();
      }),
    ).rejects.toThrow(/cannot join itself/);
  });

  it("spawn outside a task and spawn of a non-generator are clear errors", async () => {
    expect(() => spawn(double(1))).toThrow(/no task is running/);
    await expect(
      run(function* () {
        spawn((() => 5) as unknown as Operation<number>);
      }),
    ).rejects.toThrow(/spawn needs a generator object/);
  });
});

describe("errors are never dropped", () => {
  it("a child that fails while nobody joins it fails its parent, and run() rejects with the error", async () => {
    const log: string[] = [];
    await expect(
      runVirtual(function* () {
        spawn(fails("nobody joined me"));
        try {
          yield* suspendForever();
        } finally {
          log.push("parent cleaned up");
        }
      }),
    ).rejects.toThrow("nobody joined me");
    expect(log).toEqual(["parent cleaned up"]);
  });

  it("a failure deep in the tree reaches run() through every ancestor", async () => {
    await expect(
      runVirtual(function* () {
        const middle = spawn(
          (function* () {
            spawn(fails("deep"), { name: "leaf" });
            yield* suspendForever();
          })(),
          { name: "middle" },
        );
        yield* sleep(1_000);
        yield* middle.join();
      }),
    ).rejects.toThrow("deep");
  });

  it("a failure that a joiner is waiting for is the joiner's to handle, not the parent's", async () => {
    const outcome = await runVirtual(function* () {
      const child = spawn(fails("handled"));
      try {
        yield* child.join();
      } catch {
        return "handled by the joiner";
      }
      return "not reached";
    });
    expect(outcome).toBe("handled by the joiner");
  });

  it("a join that was cancelled does not count as handling a failure that comes later", async () => {
    // Found by the model test (tests/loop/model.test.ts): the cancelled join left an empty list
    // of joiners behind, which was taken for "someone is waiting", and the error was dropped.
    const outcome = runVirtual(function* () {
      const a = spawn(
        (function* (): Operation<never> {
          yield* sleep(10);
          throw new Error("boom"); // nobody waits for `a` now
        })(),
      );
      const b = spawn(
        (function* (): Operation<void> {
          yield* a.join();
        })(),
      );
      yield* sleep(1);
      yield* b.halt(); // b's join is cancelled
      yield* sleep(20);
      return "resolved";
    });
    await expect(outcome).rejects.toThrow("boom");
  });
});

describe("children cannot outlive their parent", () => {
  it("children still running when the parent's body ends are cancelled, and the parent ends after them", async () => {
    const log: string[] = [];
    const { loop, clock } = await import("./helpers.js").then((h) => h.virtualLoop());
    let parentDoneAt = -1;
    await loop.run(function* () {
      const parent = spawn(
        (function* () {
          spawn(
            (function* () {
              try {
                yield* suspendForever();
              } finally {
                yield* sleep(10); // clean-up that waits
                log.push(`child cleaned up @${clock.now()}`);
              }
            })(),
          );
          yield* sleep(5);
          log.push(`parent body ends @${clock.now()}`);
          return "parent value";
        })(),
      );
      const value = yield* parent.join();
      parentDoneAt = clock.now();
      log.push(`joined: ${value}`);
    });
    expect(log).toEqual(["parent body ends @5", "child cleaned up @15", "joined: parent value"]);
    expect(parentDoneAt).toBe(15);
    expect(loop.stats.liveTasks).toBe(0);
  });

  it("when run() ends every task has ended", async () => {
    const { loop } = await import("./helpers.js").then((h) => h.virtualLoop());
    await loop.run(function* () {
      for (let i = 0; i < 10; i++) spawn(suspendForever());
      yield* sleep(1);
    });
    expect(loop.stats.liveTasks).toBe(0);
    expect(loop.stats.spawned).toBe(11);
  });

  it("joining a cancelled child throws its Cancelled error", async () => {
    const error = await runVirtual(function* () {
      const child = spawn(suspendForever(), { name: "sleeper" });
      yield* sleep(1);
      child.cancel();
      try {
        yield* child.join();
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(error).toBeInstanceOf(Cancelled);
    expect((error as Cancelled).task.name).toBe("sleeper");
  });
});
