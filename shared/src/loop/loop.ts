/**
 * The scheduler: the lecture's Algorithm #5, sitting on libuv.
 *
 * The lecture's loop is a `while` that (1) wakes the sleepers whose deadline has passed,
 * (2) runs every ready coroutine one step, and (3) when nothing is ready, blocks in `select()`
 * until a socket is ready or the next deadline comes. Here one turn of that `while` is a callback
 * that libuv calls (`turn`), and step (3) tells libuv when to call it next (`host.ts`).
 *
 * libuv only reports "this socket is ready" and "this time has come"; which task runs next is
 * decided here, by the ready queue. Around this file: `task-end.ts` (how a task ends),
 * `interrupts.ts` (how a cancellation reaches a task), `hooks.ts` (what the loop tells whoever
 * watches it: `metrics.ts`, `trace.ts`), `introspection.ts` (`dump`, `tasks`, `snapshot`).
 */
import { RealClock, VirtualClock, type Clock } from "./clock.js";
import { setRunning, maybeCurrentTask } from "./current.js";
import { BadYield, Cancelled, Deadlock } from "./errors.js";
import { combineHooks, type LoopHooks } from "./hooks.js";
import { Host } from "./host.js";
import { countTasksByKind, formatTaskTree, listTasks, type LoopSnapshot, type TaskView } from "./introspection.js";
import { deliverInterrupt, takeInterrupt } from "./interrupts.js";
import { LoopMetrics, type LoopLogger, type LoopStats } from "./metrics.js";
import { PARK, type Suspend } from "./park.js";
import { RingQueue } from "./ring-queue.js";
import type { Scope } from "./scope.js";
import { bodyEnded } from "./task-end.js";
import { Task, type Operation } from "./task.js";
import { Timer, TimerHeap } from "./timer-heap.js";
import { LoopTrace } from "./trace.js";

export interface LoopOptions {
  clock?: Clock;
  /** Steps run per turn of libuv before I/O gets its turn (asyncio runs one batch per poll). */
  batch?: number;
  /** A turn stops starting steps after this long, so that I/O is polled (default 10 ms). */
  turnBudgetMs?: number;
  /** Counters, step and turn times (`loop.metrics`; default on). */
  metrics?: boolean;
  /** Time every step and log those slower than `slowStepMs` (default: env LOOP_DEBUG=1). */
  debug?: boolean;
  /** Threshold for the debug mode's slow-step report (default: env LOOP_SLOW_MS or 100). */
  slowStepMs?: number;
  logger?: LoopLogger;
  /** Where to write one line per scheduling decision (default: env LOOP_TRACE; see trace.ts). */
  trace?: LoopTrace | null;
}

const stderrLogger: LoopLogger = {
  warn: (fields, message) => writeLogLine(40, fields, message),
  error: (fields, message) => writeLogLine(50, fields, message),
};

export class Loop {
  readonly clock: Clock;
  readonly stats: LoopStats = { steps: 0, switches: 0, turns: 0, spawned: 0, liveTasks: 0, readyHighWater: 0, slowSteps: 0 };
  readonly logger: LoopLogger;
  /** Counters and timings, or null when switched off. */
  readonly metrics: LoopMetrics | null;
  /** LOOP_TRACE's writer, or null (the default: no tracing). */
  readonly trace: LoopTrace | null;
  /** @internal Whoever watches the loop (metrics, trace), or null: see hooks.ts. */
  readonly hooks: LoopHooks | null;
  /** The libuv side: when the next turn runs, and what may still wake a task. */
  readonly host: Host;

  /** Tasks that can run now, in FIFO order (Algorithm #1). */
  private readonly ready = new RingQueue<Task<unknown>>(1024);
  /** Sleeping callbacks ordered by (deadline, sequence) (Algorithm #2). */
  private readonly timers = new TimerHeap();
  private readonly batch: number;
  private readonly turnBudgetMs: number;

  root: Task<unknown> | null = null;
  private nextId = 1;
  private inTurn = false;
  /** Set while step (1) fires due timers: whatever they wake was woken "by timer". */
  private firingTimers = false;
  private settle: ((error: unknown, value?: unknown) => void) | null = null;

  constructor(options: LoopOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.batch = options.batch ?? 1024;
    this.turnBudgetMs = options.turnBudgetMs ?? 10;
    this.logger = options.logger ?? stderrLogger;
    const debug = options.debug ?? process.env.LOOP_DEBUG === "1";
    const slowStepMs = options.slowStepMs ?? Number(process.env.LOOP_SLOW_MS ?? 100);
    this.metrics = options.metrics === false ? null : new LoopMetrics(this.stats, this.logger, debug, slowStepMs);
    this.trace = options.trace !== undefined ? options.trace : LoopTrace.fromEnv(process.env.LOOP_TRACE);
    this.hooks = combineHooks([this.metrics, this.trace]);
    this.host = new Host(this.turn, () => {
      if (this.running) this.scheduleTurn(); // the end of a turn decides whether this is a deadlock
    });
  }

  /**
   * Runs `main` as the root task until it and all its children have ended. Resolves with its
   * value; rejects with its error, or with the error of any task that failed unobserved.
   */
  run<T>(main: Operation<T> | (() => Operation<T>), options: { name?: string } = {}): Promise<T> {
    if (this.root !== null) throw new Error("this loop has already run; make a new Loop");
    const op = typeof main === "function" ? main() : main;
    return new Promise<T>((resolve, reject) => {
      this.settle = (error, value) => (error === undefined ? resolve(value as T) : reject(error));
      this.root = this.spawnTask(op, null, options.name ?? "main");
      this.scheduleTurn();
    });
  }

  // ---------------------------------------------------------------------------------------
  // The event loop proper
  // ---------------------------------------------------------------------------------------

  /** One iteration of the lecture's `while` loop. libuv calls it; it decides what runs. */
  private readonly turn = (): void => {
    this.inTurn = true;
    this.hooks?.turnStarted(this.ready.length);
    const startedAt = performance.now();

    // (1) Sleepers whose deadline has passed become ready (or their callbacks run).
    const now = this.clock.now();
    this.firingTimers = true;
    for (let timer = this.timers.popDue(now); timer !== undefined; timer = this.timers.popDue(now)) {
      timer.callback(timer);
    }
    this.firingTimers = false;

    // (2) Run ready tasks, one step each, in FIFO order; a bounded batch so that I/O is polled.
    // Bounded in time too: 1,024 slow steps, say 2,000 sockets closing at once, would otherwise
    // keep every other socket waiting for a second. The clock is read after 8 steps, then every
    // 32 while steps are cheap, and after each step once a quarter of the budget is gone.
    let untilCheck = 8;
    for (let budget = this.batch; budget > 0; budget--) {
      const task = this.ready.shift();
      if (task === undefined) break;
      this.step(task);
      if (--untilCheck === 0) {
        const elapsed = performance.now() - startedAt;
        if (elapsed > this.turnBudgetMs) break;
        untilCheck = elapsed > this.turnBudgetMs / 4 ? 1 : 32;
      }
    }

    this.inTurn = false;
    this.hooks?.turnEnded();
    // (3) Hand the wait back to libuv with the right timeout.
    this.waitForHost();
  };

  /** Step (3): the `select(..., timeout)` of Algorithm #5, expressed to libuv. */
  private waitForHost(): void {
    if (!this.running) {
      this.host.waitForIO();
      return;
    }
    const next = this.timers.peek();
    this.hooks?.waiting(this.ready.length, next === undefined ? null : next.deadline - this.clock.now(), this.host.wakers);
    if (this.ready.length > 0) {
      this.scheduleTurn(); // timeout = 0
    } else if (next !== undefined) {
      if (this.clock instanceof VirtualClock) this.host.jumpTo(this.clock, next.deadline, () => this.ready.length === 0);
      else this.host.turnAt(next.deadline, this.clock.now()); // timeout = the nearest deadline
    } else {
      this.host.waitForIO(); // timeout = infinity: only an I/O callback can wake us now
      if (this.host.wakers === 0) this.reportDeadlock();
    }
  }

  private scheduleTurn(): void {
    if (!this.inTurn) this.host.turnSoon();
  }

  /** Runs one step of `task`: resumes its coroutine until it parks, yields, returns or throws. */
  private step(task: Task<unknown>): void {
    const hooks = this.hooks;
    hooks?.stepStarted(task);
    task.state = "running";
    setRunning(task);
    let result: IteratorResult<Suspend, unknown> | null = null;
    let thrown: unknown;
    try {
      result = resume(task);
    } catch (error) {
      thrown = error;
    }
    hooks?.stepEnded(task);
    if (result === null) bodyEnded(task, thrown instanceof Cancelled && thrown.task === task ? "cancelled" : "failed", thrown);
    else if (result.done === true) bodyEnded(task, "returned", result.value);
    else if (result.value === PARK) this.parked(task);
    else if (result.value === undefined) this.yielded(task);
    else this.badYield(task, result.value);
    setRunning(null);
  }

  private parked(task: Task<unknown>): void {
    task.state = "parked";
    this.hooks?.parked(task);
    if (task.cancelRequest !== null) deliverInterrupt(task);
  }

  /** A bare `yield`: to the back of the line (Algorithm #1). */
  private yielded(task: Task<unknown>): void {
    task.state = "ready";
    task.wokenWithValue = false;
    this.hooks?.yielded(task);
    this.makeReady(task);
  }

  private badYield(task: Task<unknown>, value: unknown): void {
    task.state = "ready";
    task.resumeThrows = true;
    task.resumeWith = new BadYield(`task ${task} yielded ${describe(value)}; call operations with yield*, e.g. \`yield* sleep(10)\``);
    this.makeReady(task);
  }

  /** @internal Puts a task that can run at the back of the ready queue. */
  makeReady(task: Task<unknown>): void {
    this.ready.push(task);
    if (this.ready.length > this.stats.readyHighWater) this.stats.readyHighWater = this.ready.length;
    this.scheduleTurn();
  }

  // ---------------------------------------------------------------------------------------
  // The kernel's services to operations: spawn, wake, timers
  // ---------------------------------------------------------------------------------------

  /** @internal Creates a task in `scope` (use `spawn()` or `Scope.spawn()`). */
  spawnTask<T>(op: Operation<T>, scope: Scope | null, name: string | undefined): Task<T> {
    if (op === null || typeof op !== "object" || typeof (op as Operation<T>).next !== "function") {
      throw new TypeError(`spawn needs a generator object (call the function*: spawn(work())), got ${describe(op)}`);
    }
    const task = new Task<T>(this, op, scope, this.nextId++, name);
    this.hooks?.spawned(task as Task<unknown>, maybeCurrentTask());
    this.stats.spawned++;
    this.stats.liveTasks++;
    this.makeReady(task as Task<unknown>);
    return task;
  }

  /** Makes a parked task ready; `value` is what its park returns. */
  wake(task: Task<unknown>, value: unknown): void {
    this.unpark(task, value);
    task.wokenWithValue = true; // delivered before any cancellation that arrives meanwhile
    this.makeReady(task);
  }

  /** Makes a parked task ready; `error` is thrown at its park. */
  wakeWithError(task: Task<unknown>, error: unknown): void {
    this.unpark(task, error);
    task.resumeThrows = true;
    this.makeReady(task);
  }

  private unpark(task: Task<unknown>, valueOrError: unknown): void {
    if (task.state !== "parked") throw new Error(`cannot wake task ${task}: it is ${task.state}, not parked`);
    task.state = "ready";
    task.abort = null;
    task.waitingOn = null;
    task.resumeWith = valueOrError;
    this.hooks?.woken(task, maybeCurrentTask() ?? (this.firingTimers ? "timer" : "host"));
  }

  /** Calls `callback(timer)` after `ms` (on this loop's clock); `data` rides along as `timer.data`. */
  callLater(ms: number, callback: (timer: Timer) => void, data?: unknown): Timer {
    if (Number.isNaN(ms)) throw new RangeError("a delay must be a number of milliseconds, got NaN");
    if (ms === Infinity) return new Timer(Infinity, -1, callback, data); // never due: not scheduled
    const timer = this.timers.add(this.clock.now() + Math.max(0, ms), callback, data);
    if (!this.inTurn && this.root !== null && this.ready.length === 0) this.waitForHost();
    return timer;
  }

  cancelTimer(timer: Timer): void {
    this.timers.remove(timer);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /**
   * What the loop has asked libuv for: another turn as soon as possible, a timer for the next
   * deadline, or nothing ("io": it only waits for a socket or thread callback, using no CPU).
   */
  get waitingFor(): "turn" | "timer" | "io" {
    return this.inTurn ? "turn" : this.host.waitingFor;
  }

  /** Reports an error that has nowhere else to go (e.g. a second failure in one scope). */
  reportError(error: unknown, context: string): void {
    this.logger.error({ err: error }, context);
  }

  // ---------------------------------------------------------------------------------------
  // How the run ends
  // ---------------------------------------------------------------------------------------

  /** True from `run()` until the root task is done. */
  private get running(): boolean {
    return this.root !== null && this.root.state !== "done";
  }

  private reportDeadlock(): void {
    if (!this.running) return;
    this.finish(new Deadlock("deadlock: every task is waiting and no timer, socket or thread can wake one\n" + this.dump()));
  }

  /** @internal The root task has ended (or the loop is deadlocked): settle `run()`'s promise. */
  finish(error: unknown, value?: unknown): void {
    this.hooks?.closed();
    this.host.stop();
    const settle = this.settle;
    this.settle = null;
    if (settle !== null) settle(error, value);
  }

  // ---------------------------------------------------------------------------------------
  // Introspection
  // ---------------------------------------------------------------------------------------

  /** What the loop is doing now, for an operator's live view (the server's `/loop`). */
  snapshot(): LoopSnapshot {
    return {
      liveTasks: this.stats.liveTasks,
      tasksByKind: Object.fromEntries([...(this.root === null ? [] : countTasksByKind(this.root))].sort((a, b) => b[1] - a[1])),
      ready: this.ready.length,
      readyHighWater: this.stats.readyHighWater,
      timers: this.timers.size,
      hostWaits: this.host.wakers,
      waitingFor: this.waitingFor,
      recent: this.metrics?.activity() ?? null,
    };
  }

  /** Every live task with its state and what it waits on (for tests and tools: data, not text). */
  tasks(): TaskView[] {
    return this.root === null ? [] : listTasks(this.root);
  }

  /** The task tree, one line per task with its state and what it waits on. */
  dump(): string {
    const header =
      `loop: ${this.stats.liveTasks} live tasks, ${this.ready.length} ready, ${this.timers.size} timers, ` +
      `${this.host.wakers} host waits, waiting for ${this.waitingFor}`;
    return this.root === null ? header : header + "\n" + formatTaskTree(this.root);
  }
}

/**
 * Resumes a task's coroutine the way its last suspension left it: with the error it was woken
 * with, with a cancellation that arrived meanwhile, or with the value it was woken with.
 */
function resume(task: Task<unknown>): IteratorResult<Suspend, unknown> {
  const gen = task.gen as Operation<unknown>;
  if (task.resumeThrows) {
    const error = task.resumeWith;
    task.resumeThrows = false;
    task.resumeWith = undefined;
    return gen.throw(error);
  }
  if (task.cancelRequest !== null && !task.wokenWithValue) return gen.throw(takeInterrupt(task));
  const value = task.resumeWith;
  task.resumeWith = undefined;
  task.wokenWithValue = false;
  return gen.next(value);
}

function writeLogLine(level: number, fields: object, message: string): void {
  const plain: Record<string, unknown> = { level, time: Date.now(), msg: message };
  for (const [key, value] of Object.entries(fields)) {
    plain[key] = value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
  }
  process.stderr.write(JSON.stringify(plain) + "\n");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name ?? "Object";
    return typeof (value as { then?: unknown }).then === "function" ? `a ${name} (a promise)` : `a ${name}`;
  }
  return `${typeof value} ${String(value)}`;
}
