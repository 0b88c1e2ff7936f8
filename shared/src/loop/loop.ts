/**
 * The scheduler: the lecture's Algorithm #5, sitting on libuv.
 *
 * The lecture's loop is a `while` that (1) wakes the sleepers whose deadline has passed,
 * (2) runs every ready coroutine one step, and (3) when nothing is ready, blocks in `select()`
 * until a socket is ready or the next deadline comes. Node already owns the process's `select()`
 * (libuv's epoll), so one turn of our `while` is a callback that libuv calls, and step (3) becomes
 * "tell libuv when to call us next":
 *
 *   - tasks are ready        -> `setImmediate`: poll I/O without blocking, then run again;
 *   - only sleepers          -> one `setTimeout` for the earliest deadline;
 *   - nothing but I/O waits  -> nothing at all: a socket or worker callback wakes a task and
 *                               schedules the next turn. An idle loop costs no CPU.
 *
 * libuv only reports "this socket is ready" and "this time has come"; which task runs next is
 * decided here, by the ready queue.
 */
import { RealClock, VirtualClock, type Clock } from "./clock.js";
import { setRunning } from "./current.js";
import { BadYield, Cancelled, Deadlock } from "./errors.js";
import { RingQueue } from "./ring-queue.js";
import type { Scope } from "./scope.js";
import { PARK, Task, type Operation } from "./task.js";
import { Timer, TimerHeap } from "./timer-heap.js";
import { countTasksByKind, describeWait, formatTaskTree, listTasks, type TaskView } from "./dump.js";
import { RecentActivity, type Activity } from "./activity.js";
import { LoopTrace } from "./trace.js";
import { DurationHistogram } from "./histogram.js";

/** Where the loop reports what it cannot throw anywhere (pino's logger fits). */
export interface LoopLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface LoopOptions {
  clock?: Clock;
  /** Steps run per turn of libuv before I/O gets its turn (asyncio runs one batch per poll). */
  batch?: number;
  /** Log every step that blocks the loop longer than `slowStepMs` (default: env LOOP_DEBUG=1). */
  debug?: boolean;
  /** Threshold for the debug mode's slow-step report (default: env LOOP_SLOW_MS or 100). */
  slowStepMs?: number;
  /** A turn stops starting steps after this long, so that I/O is polled (default 10 ms). */
  turnBudgetMs?: number;
  logger?: LoopLogger;
  /** Where to write one line per scheduling decision (default: env LOOP_TRACE; see trace.ts). */
  trace?: LoopTrace | null;
}

/** `Loop.snapshot()`: the live view. */
export interface LoopSnapshot {
  liveTasks: number;
  /** Live tasks by kind (their names without numbers and addresses), most numerous first. */
  tasksByKind: Record<string, number>;
  /** Tasks in the ready queue now, and the most there have ever been. */
  ready: number;
  readyHighWater: number;
  timers: number;
  /** Sockets, listeners and thread jobs that may wake a task. */
  hostWaits: number;
  waitingFor: "turn" | "timer" | "io";
  /** Steps per second and the slowest turn and step of the last 5 to 10 seconds. */
  recent: Activity;
}

/** Counters the services read for health checks and metrics. */
export interface LoopStats {
  /** Coroutine resumptions. */
  steps: number;
  /** Steps that resumed a different task than the previous step. */
  switches: number;
  /** Turns of libuv that ran our scheduler. */
  turns: number;
  spawned: number;
  liveTasks: number;
  readyHighWater: number;
  /** Steps slower than the debug threshold (counted only in debug mode). */
  slowSteps: number;
}

const MAX_HOST_DELAY_MS = 2 ** 31 - 1;

const stderrLogger: LoopLogger = {
  warn: (fields, message) => writeLogLine(40, fields, message),
  error: (fields, message) => writeLogLine(50, fields, message),
};

function writeLogLine(level: number, fields: object, message: string): void {
  const plain: Record<string, unknown> = { level, time: Date.now(), msg: message };
  for (const [key, value] of Object.entries(fields)) {
    plain[key] = value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
  }
  process.stderr.write(JSON.stringify(plain) + "\n");
}

export class Loop {
  readonly clock: Clock;
  readonly stats: LoopStats = {
    steps: 0,
    switches: 0,
    turns: 0,
    spawned: 0,
    liveTasks: 0,
    readyHighWater: 0,
    slowSteps: 0,
  };
  /**
   * How long steps held the thread (real time, whatever the clock), sampled: reading the clock
   * costs about 60 ns, a fifth of a whole step, so one step in 32 on average is timed (every step
   * in debug mode). The sample is spaced at random, so that a steady rhythm of tasks (ping-pong)
   * cannot alias with it; a step too slow to miss also shows in `turnTimes`.
   */
  readonly stepTimes = new DurationHistogram();
  private stepsUntilTimed = 1;
  /**
   * How long each turn held the thread: while a turn runs, libuv polls nothing, so this is the
   * lag our tasks add to every socket and timer event (the "loop lag" of a Node process).
   */
  readonly turnTimes = new DurationHistogram();
  private readonly recent = new RecentActivity(performance.now());
  readonly logger: LoopLogger;
  readonly debug: boolean;
  readonly slowStepMs: number;
  /** LOOP_TRACE's writer, or null (the default: no tracing). */
  readonly trace: LoopTrace | null;

  /** Tasks that can run now, in FIFO order (Algorithm #1). */
  private readonly ready = new RingQueue<Task<unknown>>(1024);
  /** Sleeping callbacks ordered by (deadline, sequence) (Algorithm #2). */
  private readonly timers = new TimerHeap();
  private readonly batch: number;
  private readonly turnBudgetMs: number;

  root: Task<unknown> | null = null;
  private nextId = 1;
  private lastStepped: Task<unknown> | null = null;
  /** Sockets, listeners and worker jobs that may still wake a task (see `hold`). */
  private hostWaits = 0;

  private inTurn = false;
  /** Set while step (1) fires due timers: whatever they wake was woken "by timer". */
  private firingTimers = false;
  /** The task whose step is running, its ending included (for the trace's "spawned by", "woken by"). */
  private stepping: Task<unknown> | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private hostTimer: NodeJS.Timeout | null = null;
  private hostTimerDeadline = Infinity;
  private settle: ((error: unknown, value?: unknown) => void) | null = null;

  constructor(options: LoopOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.batch = options.batch ?? 1024;
    this.turnBudgetMs = options.turnBudgetMs ?? 10;
    this.logger = options.logger ?? stderrLogger;
    this.debug = options.debug ?? process.env.LOOP_DEBUG === "1";
    this.slowStepMs = options.slowStepMs ?? Number(process.env.LOOP_SLOW_MS ?? 100);
    this.trace = options.trace !== undefined ? options.trace : LoopTrace.fromEnv(process.env.LOOP_TRACE);
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
    this.immediate = null;
    this.inTurn = true;
    this.stats.turns++;
    const startedAt = performance.now();
    this.trace?.loop("turn", `${this.ready.length} ready`);

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
    const endedAt = performance.now();
    this.turnTimes.observe(endedAt - startedAt);
    this.recent.turnEnded(endedAt, endedAt - startedAt, this.stats.steps, this.stats.turns);
    // (3) Hand the wait back to libuv with the right timeout.
    this.waitForHost();
  };

  /** Step (3): the `select(..., timeout)` of Algorithm #5, expressed to libuv. */
  private waitForHost(): void {
    if (this.root === null || this.root.state === "done") {
      this.clearHostTimer();
      return;
    }
    if (this.trace !== null) this.traceWait();
    if (this.ready.length > 0) {
      this.scheduleTurn(); // timeout = 0
      return;
    }
    const next = this.timers.peek();
    if (next !== undefined) {
      if (this.clock instanceof VirtualClock) this.autojump(this.clock, next.deadline);
      else this.armHostTimer(next.deadline); // timeout = the nearest deadline
      return;
    }
    this.clearHostTimer(); // timeout = infinity: only an I/O callback can wake us now
    if (this.hostWaits === 0) this.reportDeadlock();
  }

  private traceWait(): void {
    const trace = this.trace as LoopTrace;
    const next = this.timers.peek();
    if (this.ready.length > 0) trace.loop("wait", `poll only: ${this.ready.length} ready`);
    else if (next !== undefined) trace.loop("wait", `timer in ${Math.max(0, next.deadline - this.clock.now()).toFixed(1)} ms, or I/O`);
    else trace.loop("wait", this.hostWaits > 0 ? "I/O only" : "nothing can wake a task");
    trace.flush();
  }

  private scheduleTurn(): void {
    if (this.immediate === null && !this.inTurn) this.immediate = setImmediate(this.turn);
  }

  private armHostTimer(deadline: number): void {
    if (this.hostTimer !== null && this.hostTimerDeadline === deadline) return;
    this.clearHostTimer();
    // Node's setTimeout takes at most 2^31-1 ms (longer fires at once); re-armed when it fires.
    const delay = Math.min(MAX_HOST_DELAY_MS, Math.max(0, Math.ceil(deadline - this.clock.now())));
    this.hostTimerDeadline = deadline;
    this.hostTimer = setTimeout(() => {
      this.hostTimer = null;
      this.hostTimerDeadline = Infinity;
      if (this.immediate === null) this.turn();
    }, delay);
  }

  private clearHostTimer(): void {
    if (this.hostTimer !== null) clearTimeout(this.hostTimer);
    this.hostTimer = null;
    this.hostTimerDeadline = Infinity;
  }

  /** Virtual time: nothing can run before the next deadline, so go straight there. */
  private autojump(clock: VirtualClock, deadline: number): void {
    if (this.hostWaits === 0) {
      clock.jumpTo(deadline);
      this.scheduleTurn();
      return;
    }
    // Sockets or threads may still answer in real time: give them a moment first.
    this.clearHostTimer();
    this.hostTimerDeadline = deadline;
    this.hostTimer = setTimeout(() => {
      this.hostTimer = null;
      this.hostTimerDeadline = Infinity;
      if (this.ready.length === 0) clock.jumpTo(deadline);
      if (this.immediate === null) this.turn();
    }, clock.autojumpAfterMs);
  }

  private reportDeadlock(): void {
    const root = this.root;
    if (root === null || root.state === "done") return;
    const error = new Deadlock(
      "deadlock: every task is waiting and no timer, socket or thread can wake one\n" + this.dump(),
    );
    this.finishRun(error);
  }

  // ---------------------------------------------------------------------------------------
  // Running one step of one task
  // ---------------------------------------------------------------------------------------

  private step(task: Task<unknown>): void {
    const gen = task.gen as Operation<unknown>;
    const stats = this.stats;
    stats.steps++;
    if (task !== this.lastStepped) {
      stats.switches++;
      this.lastStepped = task;
    }
    task.state = "running";
    setRunning(task);
    this.trace?.task("run", task);
    this.stepping = task;
    const timed = this.debug || --this.stepsUntilTimed === 0;
    const startedAt = timed ? performance.now() : 0;
    let result: IteratorResult<unknown, unknown>;
    try {
      if (task.resumeThrows) {
        const error = task.resumeWith;
        task.resumeThrows = false;
        task.resumeWith = undefined;
        result = gen.throw(error);
      } else if (task.cancelRequest !== null && !task.woken) {
        result = gen.throw(this.takeInterrupt(task));
      } else {
        const value = task.resumeWith;
        task.resumeWith = undefined;
        task.woken = false;
        result = gen.next(value);
      }
    } catch (error) {
      setRunning(null);
      if (timed) this.stepEnded(task, startedAt);
      this.bodyEnded(task, error instanceof Cancelled && error.task === task ? "cancelled" : "failed", error);
      this.stepping = null;
      return;
    }
    setRunning(null);
    if (timed) this.stepEnded(task, startedAt);

    if (result.done === true) {
      this.bodyEnded(task, "returned", result.value);
    } else if (result.value === PARK) {
      task.state = "parked";
      this.trace?.task("park", task, describeWait(task));
      if (task.cancelRequest !== null) this.deliverCancel(task);
    } else if (result.value === undefined) {
      task.state = "ready"; // a bare `yield`: to the back of the line (Algorithm #1)
      this.trace?.task("yield", task);
      task.woken = false;
      this.pushReady(task);
    } else {
      task.state = "ready";
      task.resumeThrows = true;
      task.resumeWith = new BadYield(
        `task ${task} yielded ${describe(result.value)}; call operations with yield*, e.g. \`yield* sleep(10)\``,
      );
      this.pushReady(task);
    }
    this.stepping = null;
  }

  private stepEnded(task: Task<unknown>, startedAt: number): void {
    const ms = performance.now() - startedAt;
    this.stepTimes.observe(ms);
    this.recent.stepTimed(ms, task.name);
    if (this.stepsUntilTimed <= 0) this.stepsUntilTimed = 16 + Math.floor(Math.random() * 32);
    if (this.debug && ms >= this.slowStepMs) {
      this.stats.slowSteps++;
      this.logger.warn(
        { task: task.name, taskId: task.id, ms: Math.round(ms * 10) / 10 },
        `slow step: task ${task} blocked the loop for ${ms.toFixed(1)} ms`,
      );
    }
  }

  private pushReady(task: Task<unknown>): void {
    this.ready.push(task);
    if (this.ready.length > this.stats.readyHighWater) this.stats.readyHighWater = this.ready.length;
    if (!this.inTurn) this.scheduleTurn();
  }

  // ---------------------------------------------------------------------------------------
  // The kernel's services to operations: spawn, wake, cancel, timers
  // ---------------------------------------------------------------------------------------

  /** @internal Creates a task in `scope` (use `spawn()` or `Scope.spawn()`). */
  spawnTask<T>(op: Operation<T>, scope: Scope | null, name: string | undefined): Task<T> {
    if (op === null || typeof op !== "object" || typeof (op as Operation<T>).next !== "function") {
      throw new TypeError(`spawn needs a generator object (call the function*: spawn(work())), got ${describe(op)}`);
    }
    const task = new Task<T>(this, op, scope, this.nextId++, name);
    if (this.trace !== null) {
      const by = this.stepping;
      this.trace.task("spawn", task as Task<unknown>, by === null ? "" : `by #${by.id} ${by.name}`);
    }
    this.stats.spawned++;
    this.stats.liveTasks++;
    this.pushReady(task as Task<unknown>);
    return task;
  }

  /** Makes a parked task ready; `value` is what its park returns. */
  wake(task: Task<unknown>, value: unknown): void {
    this.unpark(task, value, false);
  }

  /** Makes a parked task ready; `error` is thrown at its park. */
  wakeWithError(task: Task<unknown>, error: unknown): void {
    this.unpark(task, error, true);
  }

  private unpark(task: Task<unknown>, valueOrError: unknown, throws: boolean): void {
    if (task.state !== "parked") throw new Error(`cannot wake task ${task}: it is ${task.state}, not parked`);
    task.state = "ready";
    task.abort = null;
    task.waitingOn = null;
    task.resumeWith = valueOrError;
    if (throws) task.resumeThrows = true;
    else task.woken = true; // deliver this value before any cancellation that arrives meanwhile
    if (this.trace !== null) this.traceWake(task);
    this.pushReady(task);
  }

  private traceWake(task: Task<unknown>): void {
    const by = this.stepping;
    this.trace?.task("wake", task, by !== null ? `by #${by.id} ${by.name}` : this.firingTimers ? "by timer" : "by host");
  }

  /**
   * Delivers `cancelled` at the task's current or next suspension point. One is delivered at a
   * time; `replace` lets a real cancellation override a pending timeout or scope interruption.
   * Otherwise a second interrupt waits its turn rather than being dropped: the pending one may
   * yet be withdrawn (a timeout whose operation finished first), and then this one must still
   * arrive (a failed child must interrupt its parent; an outer timeout must fire).
   */
  interrupt(task: Task<unknown>, cancelled: Cancelled, replace: boolean): void {
    if (task.state === "done" || task.state === "closing") return;
    if (task.cancelRequest !== null && !replace) {
      if (task.cancelRequest !== cancelled && !(task.laterInterrupts?.includes(cancelled) ?? false)) (task.laterInterrupts ??= []).push(cancelled);
      return;
    }
    task.cancelRequest = cancelled;
    if (task.state === "parked") this.deliverCancel(task);
  }

  /** Takes the pending interrupt for delivery; the next waiting one (if any) becomes pending. */
  takeInterrupt(task: Task<unknown>): Cancelled | null {
    const cancelled = task.cancelRequest;
    const later = task.laterInterrupts;
    task.cancelRequest = later?.shift() ?? null;
    if (later !== null && later.length === 0) task.laterInterrupts = null;
    return cancelled;
  }

  /** `cancelled` is no longer wanted (its reason went away before it was delivered). */
  withdrawInterrupt(task: Task<unknown>, cancelled: Cancelled): void {
    if (task.cancelRequest === cancelled) {
      this.takeInterrupt(task);
      return;
    }
    const later = task.laterInterrupts;
    if (later === null) return;
    const i = later.indexOf(cancelled);
    if (i >= 0) later.splice(i, 1);
    if (later.length === 0) task.laterInterrupts = null;
  }

  /** A parked task with a pending cancellation: undo its park and throw the Cancelled into it. */
  private deliverCancel(task: Task<unknown>): void {
    const abort = task.abort;
    task.abort = null;
    task.waitingOn = null;
    if (abort !== null) abort(task);
    task.resumeThrows = true;
    const cancelled = this.takeInterrupt(task);
    task.resumeWith = cancelled;
    task.state = "ready";
    this.trace?.task("cancel", task, cancelled?.reason ?? "");
    this.pushReady(task);
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
   * Registers something outside the loop (a socket, a worker job) that may wake a task later.
   * While any is held, an idle loop waits for it instead of reporting a deadlock.
   * Returns the function that releases it; releasing twice is harmless.
   */
  hold(): () => void {
    this.acquireHold();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.releaseHold();
    };
  }

  /**
   * `hold()` without the release closure, for an owner that already knows when it lets go
   * (a socket watch has one per connection). Pair each call with exactly one `releaseHold()`.
   */
  acquireHold(): void {
    this.hostWaits++;
  }

  releaseHold(): void {
    this.hostWaits--;
    // Let the end of a turn decide whether the loop is now deadlocked: a release often happens
    // just before (or while) the task it concerns is made ready again.
    if (this.root !== null && this.root.state !== "done") this.scheduleTurn();
  }

  /**
   * What the loop has asked libuv for: another turn as soon as possible, a timer for the next
   * deadline, or nothing ("io": it only waits for a socket or thread callback, using no CPU).
   */
  get hostWait(): "turn" | "timer" | "io" {
    if (this.immediate !== null || this.inTurn) return "turn";
    if (this.hostTimer !== null) return "timer";
    return "io";
  }

  get heldCount(): number {
    return this.hostWaits;
  }

  /** Reports an error that has nowhere else to go (e.g. a second failure in one scope). */
  reportError(error: unknown, context: string): void {
    this.logger.error({ err: error }, context);
  }

  // ---------------------------------------------------------------------------------------
  // How tasks end
  // ---------------------------------------------------------------------------------------

  /** The coroutine has returned or thrown. The task is done once its children are. */
  private bodyEnded(task: Task<unknown>, outcome: "returned" | "failed" | "cancelled", value: unknown): void {
    this.trace?.task("end", task, outcome);
    task.gen = null;
    task.outcome = outcome;
    task.settled = value;
    task.cancelRequest = null;
    task.laterInterrupts = null;
    const children = task.children;
    if (children !== null && children.size > 0) {
      task.state = "closing";
      children.closed = true;
      children.cancelAll(`its parent ${task} has ended`);
      return;
    }
    this.completeTask(task);
  }

  /** @internal The task and all its children have ended: deliver the outcome. */
  completeTask(task: Task<unknown>): void {
    const children = task.children;
    if (children !== null) {
      children.closed = true;
      if (children.failed) {
        if (task.outcome !== "failed") {
          task.outcome = "failed";
          task.settled = children.error;
        } else if (task.settled !== children.error) {
          this.reportError(children.error, `a child of ${task} failed while ${task} failed too`);
        }
      }
    }
    task.state = "done";
    this.trace?.task("done", task, task.outcome ?? "");
    this.stats.liveTasks--;
    if (this.lastStepped === task) this.lastStepped = null;

    // Observed only if someone is waiting now: a join that was cancelled leaves an empty list.
    const joiners = task.joiners;
    const observed = joiners !== null && joiners.length > 0;
    if (joiners !== null) {
      task.joiners = null;
      for (const joiner of joiners) {
        joiner.waitData = undefined; // it held this task (see Task.join)
        if (task.outcome === "returned") this.wake(joiner, task.settled);
        else this.wakeWithError(joiner, task.settled);
      }
    }

    const scope = task.scope;
    if (scope === null) {
      if (task.outcome === "returned") this.finishRun(undefined, task.settled);
      else this.finishRun(task.settled ?? new Error("the main task failed"));
      return;
    }
    if (task.outcome === "failed" && !observed) scope.fail(task.settled);
    scope.remove(task);
  }

  private finishRun(error: unknown, value?: unknown): void {
    this.trace?.close();
    this.clearHostTimer();
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
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
      hostWaits: this.hostWaits,
      waitingFor: this.hostWait,
      recent: this.recent.read(performance.now(), this.stats.steps, this.stats.turns),
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
      `${this.hostWaits} host waits, waiting for ${this.hostWait}`;
    return this.root === null ? header : header + "\n" + formatTaskTree(this.root);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name ?? "Object";
    return typeof (value as { then?: unknown }).then === "function" ? `a ${name} (a promise)` : `a ${name}`;
  }
  return `${typeof value} ${String(value)}`;
}
