import { Cancelled } from "./errors.js";
import { currentTask } from "./current.js";
import { interrupt } from "./interrupts.js";
import type { Loop } from "./loop.js";
import { park, type Abort, type Suspend, type WaitingOn } from "./park.js";
import { Scope } from "./scope.js";
import type { WaitList } from "./wait-list.js";

/**
 * A coroutine: a generator that yields `Suspend` values to the loop and returns `T`.
 * Call one from another with `yield*`, which is Python's `yield from`:
 * `const line = yield* reader.readLine()`.
 */
export type Operation<T> = Generator<Suspend, T, unknown>;

/**
 * An operation that has already finished: `yield*` on it returns at once. Lets a fast path
 * (e.g. `Queue.put` with room to spare) skip creating a generator object per call.
 */
export const alreadyDone: Operation<void> = (function* (): Operation<void> {})();
alreadyDone.next();

export type TaskState =
  | "ready" // in the ready queue
  | "running" // its step is executing now
  | "parked" // waiting for something to wake it
  | "closing" // its body has ended; waiting for its children to end
  | "done";

export type Outcome = "returned" | "failed" | "cancelled";

export interface SpawnOptions {
  name?: string;
}

/**
 * A coroutine scheduled by the loop, with a name, a place in the task tree and an outcome.
 * The fields below the public API are the loop's bookkeeping; they are public only so that the
 * kernel files (loop, interrupts, task-end, scope, wait-list) can share them without ceremony.
 */
export class Task<T = unknown> {
  readonly id: number;
  private label: string | undefined;

  state: TaskState = "ready";
  outcome: Outcome | null = null;
  /** The returned value or the error, depending on `outcome` (see `result` and `error`). */
  settled: unknown = undefined;

  // --- how the next step resumes the coroutine ---
  gen: Operation<T> | null;
  /** What the next step sends into the coroutine (`next(value)`) or throws into it. */
  resumeWith: unknown = undefined;
  resumeThrows = false;
  /**
   * Woken from a park with a value: the next step delivers it even if a cancellation is pending
   * (the cancellation then arrives at the next suspension point), so no handed-over item is lost.
   */
  wokenWithValue = false;

  // --- parking ---
  waitingOn: WaitingOn | null = null;
  abort: Abort | null = null;
  /** A cancellation to deliver at the next suspension point. */
  cancelRequest: Cancelled | null = null;
  /** Interrupts that arrived while `cancelRequest` was pending: each takes its turn when that one is delivered or withdrawn. */
  laterInterrupts: Cancelled[] | null = null;
  cancelCalled = false;
  /** Intrusive links for the one WaitList a parked task can be in (no allocation per wait). */
  waitList: WaitList | null = null;
  waitPrev: Task<unknown> | null = null;
  waitNext: Task<unknown> | null = null;
  /**
   * What a parked task carries for whoever wakes it or undoes its park, so that they can be
   * shared functions rather than closures: the item a blocked `put` wants to add, a sleep's
   * timer, the socket watch of a read, the task a `join` waits for.
   */
  waitData: unknown = undefined;

  // --- the task tree ---
  /** The scope this task belongs to; null for the root task. */
  readonly scope: Scope | null;
  /** This task's own scope for the children it spawns (made on first spawn). */
  children: Scope | null = null;
  siblingPrev: Task<unknown> | null = null;
  siblingNext: Task<unknown> | null = null;
  joiners: Task<unknown>[] | null = null;

  constructor(
    readonly loop: Loop,
    op: Operation<T>,
    scope: Scope | null,
    id: number,
    name: string | undefined,
  ) {
    this.gen = op;
    this.scope = scope;
    this.id = id;
    this.label = name;
  }

  get name(): string {
    return this.label ?? `task-${this.id}`;
  }

  /** The task that spawned this one (for a task in a `scope()`, the task that opened the scope). */
  get parent(): Task<unknown> | null {
    return this.scope === null ? null : this.scope.owner;
  }

  /** The value it returned, once `outcome` is "returned". */
  get result(): T | undefined {
    return this.outcome === "returned" ? (this.settled as T) : undefined;
  }

  /** What it failed with (a `Cancelled` if it was cancelled), once it has ended so. */
  get error(): unknown {
    return this.outcome === "failed" || this.outcome === "cancelled" ? this.settled : undefined;
  }

  get done(): boolean {
    return this.state === "done";
  }

  /**
   * Asks the task to stop: a `Cancelled` error is thrown into it where it is suspended (at once
   * if it is parked, at its next suspension point if it is running or was just woken). Its
   * `finally` blocks run and may wait. Returns at once; use `halt()` to also wait for the end.
   * Calling it again, or on a finished task, does nothing.
   */
  cancel(reason = "cancelled"): void {
    if (this.cancelCalled || this.state === "done") return;
    this.cancelCalled = true;
    if (this.state === "closing") return; // its body is over and its children are being cancelled
    interrupt(this, new Cancelled(this, reason), true);
  }

  /** Waits for the task to end; returns its value or rethrows its error (`Cancelled` if it was cancelled). */
  *join(): Operation<T> {
    if (this.state !== "done") {
      const me = currentTask();
      if (me === (this as Task<unknown>)) throw new Error(`task #${this.id} cannot join itself`);
      (this.joiners ??= []).push(me);
      return (yield park(me, JOINING, abortJoin, this)) as T;
    }
    if (this.outcome === "returned") return this.settled as T;
    throw this.settled;
  }

  /** Cancels the task and waits until it has ended. Rethrows only an error other than its own cancellation. */
  *halt(): Operation<void> {
    this.cancel("halted");
    try {
      yield* this.join();
    } catch (error) {
      if (!(error instanceof Cancelled && error.task === (this as Task<unknown>))) throw error;
    }
  }

  toString(): string {
    return `#${this.id} ${this.name}`;
  }
}

/** Undoes a park in `join()` (the joined task is in `waitData`): leaves its list of joiners. */
function abortJoin(task: Task<unknown>): void {
  const joined = task.waitData as Task<unknown>;
  task.waitData = undefined;
  const joiners = joined.joiners;
  if (joiners === null) return;
  const i = joiners.indexOf(task);
  if (i >= 0) joiners.splice(i, 1);
}

const JOINING: WaitingOn = {
  describe: (task) => {
    const joined = task.waitData as Task<unknown>;
    return `join #${joined.id} ${joined.name}`;
  },
};

/** Spawns `op` as a child of the calling task. The child cannot outlive its parent. */
export function spawn<T>(op: Operation<T>, options?: SpawnOptions): Task<T> {
  return spawnChild(currentTask(), op, options);
}

/**
 * Starts `op` as a child of `parent`, whichever task calls it (trio's `nursery.start_soon` from
 * outside): e.g. a connection's writer, started by the broadcaster only when a line must wait.
 * The child belongs to `parent` exactly as if `parent` had spawned it.
 */
export function spawnChild<T>(parent: Task<unknown>, op: Operation<T>, options?: SpawnOptions): Task<T> {
  const scope = (parent.children ??= new Scope(parent, "task"));
  return scope.spawn(op, options);
}

/** Waits for `task` and returns its value or rethrows its error. */
export function join<T>(task: Task<T>): Operation<T> {
  return task.join();
}
