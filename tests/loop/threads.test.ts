import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Cancelled, Queue, run, scope, sleep, spawn, timeout, TimeoutError, yieldNow, type Operation } from "../../shared/src/loop/index.js";
import {
  closeDefaultThreadPool,
  defaultThreadPool,
  runInThread,
  ThreadError,
  ThreadPool,
  ThreadPoolClosed,
  WorkerCrashed,
} from "../../shared/src/loop/threads/index.js";
import { SPIN } from "./fixtures/thread-work.js";

const WORK = new URL("./fixtures/thread-work.ts", import.meta.url);
const BROKEN = new URL("./fixtures/thread-broken-module.ts", import.meta.url);
const MISSING = new URL("./fixtures/there-is-no-such-module.ts", import.meta.url);

const pools: ThreadPool[] = [];
function makePool(size: number): ThreadPool {
  const pool = new ThreadPool({ size, name: "test" });
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

/**
 * Starting a thread costs about a second from sources (tsx compiles in each thread), so the tests
 * that need no fresh counters share this pool.
 */
const common = new ThreadPool({ size: 2, name: "common" });
afterAll(async () => {
  await Promise.all([common.close(), closeDefaultThreadPool()]);
});

/** Flags shared with a `spin` job (see the fixture). */
function spinFlags(): { buffer: SharedArrayBuffer; flags: Int32Array } {
  const buffer = new SharedArrayBuffer(SPIN.length * Int32Array.BYTES_PER_ELEMENT);
  return { buffer, flags: new Int32Array(buffer) };
}

/** Waits (ticking the loop) until the spin job is running in its thread. */
function* untilSpinning(flags: Int32Array): Operation<void> {
  while (Atomics.load(flags, SPIN.started) === 0) yield* sleep(1);
}

/** Runs `op` and returns the error it throws (fails the test if it returns). */
function* failureOf(op: Operation<unknown>): Operation<unknown> {
  let value: unknown;
  try {
    value = yield* op;
  } catch (error) {
    return error;
  }
  throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
}

describe("ThreadPool.run", () => {
  it("returns the value of a sync export and passes the arguments", async () => {
    const pool = common;
    const [sum, described] = await run(function* () {
      const sum = yield* pool.run<number>(WORK, "add", 2, 40);
      const described = yield* pool.run(WORK, "describeArgs", "a", 1, null, { deep: [1, 2] }, new Uint8Array([7]));
      return [sum, described] as const;
    });
    expect(sum).toBe(42);
    expect(described).toEqual({
      count: 5,
      types: ["string", "number", "null", "object", "object"],
      args: ["a", 1, null, { deep: [1, 2] }, new Uint8Array([7])],
    });
    expect(pool.stats).toMatchObject({ busy: 0, queued: 0 });
  });

  it("awaits an async export", async () => {
    const pool = common;
    expect(await run(() => pool.run<number>(WORK, "doubleLater", 21))).toBe(42);
  });

  it("accepts an absolute path and a .js URL that names a .ts source (as compiled code would)", async () => {
    const pool = common;
    const viaPath = await run(() => pool.run<number>(fileURLToPath(WORK), "add", 1, 2));
    const viaJs = await run(() => pool.run<number>(new URL("./fixtures/thread-work.js", import.meta.url), "add", 3, 4));
    expect([viaPath, viaJs]).toEqual([3, 7]);
  });

  it("refuses a relative module path at once", async () => {
    const pool = makePool(1);
    const error = await run(() => failureOf(pool.run("./fixtures/thread-work.ts", "add", 1, 2)));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain("import.meta.url");
    expect(pool.stats.threads).toBe(0);
  });
});

describe("errors from the worker", () => {
  it("an error thrown in the worker is thrown in the task with its name, message and stack", async () => {
    const pool = common;
    const error = await run(() => failureOf(pool.run(WORK, "throwRange", "n must be positive")));
    expect(error).toBeInstanceOf(ThreadError);
    const threadError = error as ThreadError;
    expect(threadError.name).toBe("RangeError");
    expect(threadError.remoteName).toBe("RangeError");
    expect(threadError.message).toBe("n must be positive");
    expect(threadError.remoteStack).toContain("throwRange");
    expect(threadError.remoteStack).toContain("thread-work.ts");
    // The caller's frames first, then the worker's.
    expect(threadError.stack).toContain("threads.test.ts");
    expect(threadError.stack).toMatch(/in worker thread \(common-\d: throwRange\(\)[\s\S]*thread-work\.ts/);
  });

  it("a rejected promise keeps a custom error's name and code", async () => {
    const pool = common;
    const error = (await run(() => failureOf(pool.run(WORK, "rejectCustom", "custom failure")))) as ThreadError;
    expect(error).toBeInstanceOf(ThreadError);
    expect([error.name, error.message, error.code]).toEqual(["FixtureError", "custom failure", "E_FIXTURE"]);
  });

  it("a thrown non-Error value arrives as an Error", async () => {
    const pool = common;
    const error = (await run(() => failureOf(pool.run(WORK, "throwString")))) as ThreadError;
    expect(error).toBeInstanceOf(ThreadError);
    expect(error.message).toContain('"just a string"');
  });

  it("a missing export, a non-function export, a missing module and a failing module are clear errors; the pool stays healthy", async () => {
    const pool = common;
    const before = pool.stats;
    const errors = await run(function* () {
      const found = [
        yield* failureOf(pool.run(WORK, "noSuchExport")),
        yield* failureOf(pool.run(WORK, "notAFunction")),
        yield* failureOf(pool.run(MISSING, "anything")),
        yield* failureOf(pool.run(BROKEN, "unreachable")),
      ];
      return { found, after: yield* pool.run<number>(WORK, "add", 1, 1) };
    });
    const [noExport, notFunction, missing, broken] = errors.found as ThreadError[];
    expect(noExport).toBeInstanceOf(ThreadError);
    expect(noExport!.name).toBe("TypeError");
    expect(noExport!.message).toMatch(/export "noSuchExport" of .*thread-work\.ts is not a function \(it is undefined\)/);
    expect(noExport!.message).toContain("add");
    expect(notFunction!.message).toMatch(/export "notAFunction" .* is not a function \(it is 42\)/);
    expect(missing).toBeInstanceOf(ThreadError);
    expect(missing!.message).toMatch(/cannot load module .*there-is-no-such-module\.ts/);
    expect(missing!.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(broken!.message).toMatch(/cannot load module .*thread-broken-module\.ts: this fixture refuses to load/);
    expect(errors.after).toBe(2);
    expect(pool.stats.failed - before.failed).toBe(4);
    expect(pool.stats.restarted).toBe(before.restarted);
  });

  it("arguments or a result that cannot be cloned fail the job, not the pool", async () => {
    const pool = common;
    const result = await run(function* () {
      const badArgs = yield* failureOf(pool.run(WORK, "add", () => 1, 2));
      const badResult = yield* failureOf(pool.run(WORK, "returnFunction"));
      return { badArgs, badResult, after: yield* pool.run<number>(WORK, "add", 2, 2) };
    });
    expect(result.badArgs).toBeInstanceOf(TypeError);
    expect((result.badArgs as Error).message).toContain("arguments of add() cannot be sent");
    expect(result.badResult).toBeInstanceOf(ThreadError);
    expect((result.badResult as ThreadError).name).toBe("DataCloneError");
    expect((result.badResult as ThreadError).message).toContain("returnFunction() cannot be sent back");
    expect(result.after).toBe(4);
    expect(pool.stats.restarted).toBe(0);
    expect(pool.stats.busy).toBe(0);
  });
});

describe("crashing workers", () => {
  it("process.exit in the worker fails only that job; the other thread's job completes and the pool recovers", async () => {
    const pool = makePool(2);
    const { buffer, flags } = spinFlags();
    const result = await run(function* () {
      const survivor = spawn(pool.run<number>(WORK, "spin", buffer, 20_000));
      yield* untilSpinning(flags);
      const crash = yield* failureOf(pool.run(WORK, "exitWith", 3));
      Atomics.store(flags, SPIN.stop, 1);
      const rounds = yield* survivor.join();
      return { crash, rounds, after: yield* pool.run<number>(WORK, "add", 5, 5) };
    });
    expect(result.crash).toBeInstanceOf(WorkerCrashed);
    expect((result.crash as WorkerCrashed).exitCode).toBe(3);
    expect((result.crash as Error).message).toMatch(/worker thread test-\d died while running exitWith\(\).*exited with code 3/);
    expect(typeof result.rounds).toBe("number");
    expect(result.after).toBe(10);
    expect(pool.stats).toMatchObject({ restarted: 1, failed: 1, completed: 2, busy: 0 });
  });

  it("an uncaught error in the worker fails its job with the error as the cause", async () => {
    const pool = makePool(1);
    const result = await run(function* () {
      const crash = yield* failureOf(pool.run(WORK, "throwLater", "escaped from a timer"));
      return { crash, after: yield* pool.run<number>(WORK, "add", 1, 2) };
    });
    const crash = result.crash as WorkerCrashed;
    expect(crash).toBeInstanceOf(WorkerCrashed);
    expect(crash.message).toContain("uncaught Error: escaped from a timer");
    expect((crash.cause as Error).message).toBe("escaped from a timer");
    expect(result.after).toBe(3);
    expect(pool.stats.restarted).toBe(1);
  });
});

describe("cancellation", () => {
  it("a task cancelled while its job runs ends at once, runs its finally, and the thread is replaced", async () => {
    const pool = makePool(1);
    const { buffer, flags } = spinFlags();
    const result = await run(function* () {
      let finallyRan = false;
      const waiter = spawn(
        (function* () {
          try {
            return yield* pool.run<number>(WORK, "spin", buffer, 10_000);
          } finally {
            finallyRan = true;
          }
        })(),
      );
      yield* untilSpinning(flags);
      const threadBefore = pool.stats.threads;
      yield* waiter.halt();
      // The task is over while the function is still spinning: nobody waited for the thread.
      const stillSpinning = Atomics.load(flags, SPIN.finished) === 0;
      const statsAfterCancel = pool.stats;
      const after = yield* pool.run<number>(WORK, "add", 20, 22);
      return { finallyRan, outcome: waiter.outcome, stillSpinning, threadBefore, statsAfterCancel, after };
    });
    expect(result.finallyRan).toBe(true);
    expect(result.outcome).toBe("cancelled");
    expect(result.stillSpinning).toBe(true);
    expect(result.threadBefore).toBe(1);
    expect(result.statsAfterCancel).toMatchObject({ threads: 0, busy: 0, cancelled: 1, restarted: 1 });
    expect(result.after).toBe(42);
    expect(pool.stats).toMatchObject({ threads: 1, completed: 1, restarted: 1 });
  });

  it("timeout() around a job cancels it and raises TimeoutError", async () => {
    const pool = makePool(1);
    const { buffer, flags } = spinFlags();
    const error = await run(() => failureOf(timeout(50, pool.run(WORK, "spin", buffer, 10_000))));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Atomics.load(flags, SPIN.finished)).toBe(0);
    expect(pool.stats).toMatchObject({ cancelled: 1, restarted: 1, threads: 0 });
  });

  it("a queued job that is cancelled leaves the queue; the running job is untouched", async () => {
    const pool = makePool(1);
    const { buffer, flags } = spinFlags();
    const result = await run(function* () {
      const running = spawn(pool.run<number>(WORK, "spin", buffer, 20_000));
      yield* untilSpinning(flags);
      const queued = spawn(pool.run<number>(WORK, "add", 1, 1));
      yield* yieldNow(); // let it queue
      const queuedBefore = pool.stats.queued;
      yield* queued.halt();
      const statsAfterCancel = pool.stats;
      Atomics.store(flags, SPIN.stop, 1);
      yield* running.join();
      return { queuedBefore, statsAfterCancel, queuedOutcome: queued.outcome };
    });
    expect(result.queuedBefore).toBe(1);
    expect(result.queuedOutcome).toBe("cancelled");
    expect(result.statsAfterCancel).toMatchObject({ queued: 0, busy: 1, cancelled: 1, restarted: 0 });
    expect(pool.stats).toMatchObject({ completed: 1, restarted: 0, threads: 1 });
  });

  it("a cancel from outside the loop (a host callback) is not mistaken for a deadlock", async () => {
    const pool = makePool(1);
    const { buffer, flags } = spinFlags();
    const outcome = await run(function* () {
      const waiter = spawn(pool.run<number>(WORK, "spin", buffer, 10_000));
      yield* untilSpinning(flags);
      setImmediate(() => waiter.cancel("from a host callback"));
      try {
        yield* waiter.join();
        return "returned";
      } catch (error) {
        return error instanceof Cancelled ? "cancelled" : String(error);
      }
    });
    expect(outcome).toBe("cancelled");
    expect(pool.stats.restarted).toBe(1);
  });
});

describe("the loop while threads compute", () => {
  it("other tasks keep running while a worker computes", async () => {
    const pool = makePool(1);
    const { buffer, flags } = spinFlags();
    const TICKS = 50;
    const result = await run(function* () {
      let ticks = 0;
      let ticksWhenJobEnded = -1;
      const job = spawn(
        (function* () {
          const rounds = yield* pool.run<number>(WORK, "spin", buffer, 20_000);
          ticksWhenJobEnded = ticks;
          return rounds;
        })(),
      );
      // The job can only end when the ticker has made TICKS steps of progress and says stop.
      yield* untilSpinning(flags);
      const spinningAt = ticks;
      while (ticks < TICKS) {
        yield* sleep(1);
        ticks++;
      }
      const finishedWhileTicking = Atomics.load(flags, SPIN.finished) === 1;
      Atomics.store(flags, SPIN.stop, 1);
      const rounds = yield* job.join();
      return { spinningAt, ticksWhenJobEnded, finishedWhileTicking, rounds };
    });
    expect(result.spinningAt).toBe(0);
    expect(result.finishedWhileTicking).toBe(false);
    expect(result.ticksWhenJobEnded).toBe(TICKS);
    expect(result.rounds).toBeGreaterThan(0);
  });

  it("queue ping-pong keeps going while every thread is busy", async () => {
    const pool = makePool(2);
    const a = spinFlags();
    const b = spinFlags();
    const exchanges = await run(function* () {
      return yield* scope(function* (s) {
        const jobs = [a, b].map(({ buffer }) => s.spawn(pool.run<number>(WORK, "spin", buffer, 20_000)));
        yield* untilSpinning(a.flags);
        yield* untilSpinning(b.flags);
        const ping = new Queue<number>();
        const pong = new Queue<number>();
        s.spawn(
          (function* () {
            for (;;) yield* pong.put((yield* ping.get()) + 1);
          })(),
        );
        let n = 0;
        for (let i = 0; i < 1000; i++) {
          yield* ping.put(n);
          n = yield* pong.get();
        }
        const bothStillBusy = Atomics.load(a.flags, SPIN.finished) === 0 && Atomics.load(b.flags, SPIN.finished) === 0;
        Atomics.store(a.flags, SPIN.stop, 1);
        Atomics.store(b.flags, SPIN.stop, 1);
        for (const job of jobs) yield* job.join();
        s.cancelAll();
        return { n, bothStillBusy };
      });
    });
    expect(exchanges).toEqual({ n: 1000, bothStillBusy: true });
  });
});

describe("queueing", () => {
  it("jobs beyond the pool size wait in the pool's queue and all complete", async () => {
    const pool = makePool(2);
    const JOBS = 7;
    const result = await run(function* () {
      const tasks = Array.from({ length: JOBS }, (_, i) => spawn(pool.run<number>(WORK, "doubleLater", i)));
      yield* yieldNow(); // every task has submitted its job
      const submitted = pool.stats;
      const values: number[] = [];
      for (const task of tasks) values.push(yield* task.join());
      return { submitted, values };
    });
    expect(result.submitted).toMatchObject({ threads: 2, busy: 2, queued: JOBS - 2 });
    expect(result.values).toEqual(Array.from({ length: JOBS }, (_, i) => 2 * i));
    expect(pool.stats).toMatchObject({ threads: 2, busy: 0, queued: 0, completed: JOBS });
  });

  it("close() fails running and queued jobs with ThreadPoolClosed and refuses new ones", async () => {
    const pool = makePool(1);
    const { buffer, flags } = spinFlags();
    const result = await run(function* () {
      const running = spawn(failureOf(pool.run(WORK, "spin", buffer, 10_000)));
      const queued = spawn(failureOf(pool.run(WORK, "add", 1, 1)));
      yield* untilSpinning(flags);
      void pool.close();
      return { running: yield* running.join(), queued: yield* queued.join(), after: yield* failureOf(pool.run(WORK, "add", 1, 1)) };
    });
    expect(result.running).toBeInstanceOf(ThreadPoolClosed);
    expect(result.queued).toBeInstanceOf(ThreadPoolClosed);
    expect(result.after).toBeInstanceOf(ThreadPoolClosed);
    expect(pool.stats).toMatchObject({ threads: 0, busy: 0, queued: 0 });
  });
});

describe("runInThread and the default pool", () => {
  it("runs on a shared pool", async () => {
    const value = await run(() => runInThread<number>(WORK, "add", 20, 1));
    expect(value).toBe(21);
    expect(defaultThreadPool().stats.completed).toBeGreaterThanOrEqual(1);
  });

  it("works in a script run by tsx, and an idle default pool does not keep the process alive", async () => {
    const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    const script = fileURLToPath(new URL("./fixtures/threads-tsx-script.ts", import.meta.url));
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      // No pool.close() in the script: it must exit by itself. The kill deadline only guards the test.
      execFile(tsx, [script], { timeout: 25_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve({ stdout });
      });
    });
    expect(JSON.parse(stdout.trim())).toEqual({ sum: 5, doubled: 42, error: "RangeError: from tsx" });
  });
});
