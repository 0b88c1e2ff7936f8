import { takeInterrupt } from "./interrupts.js";
import { park, type Suspend } from "./park.js";
import type { Task } from "./task.js";

/**
 * A FIFO line of parked tasks (trio's `ParkingLot`), the building block of Queue, Event,
 * Semaphore and Lock. The links live in the tasks themselves (a task waits on one thing at a
 * time), so parking allocates nothing and a cancelled waiter leaves the line in O(1).
 */
export class WaitList {
  private head: Task<unknown> | null = null;
  private tail: Task<unknown> | null = null;
  size = 0;

  constructor(private readonly label: string) {}

  /**
   * Puts `task` at the back of the line and returns the park signal for it to yield:
   * `const value = yield list.park(task)`. It is woken by `wakeFirst`/`wakeAll` with a value
   * (what the `yield` returns) or by `failAll` with an error (thrown there). `data` rides along
   * with the task for the waker (e.g. the item a blocked `put` wants to add).
   */
  park(task: Task<unknown>, data?: unknown): Suspend {
    this.append(task);
    return park(task, this.label, abortWait, data);
  }

  /**
   * For a waiter that was handed a value (an item, a permit) by `wakeFirst`: if a cancellation
   * arrived after the hand-off but before the waiter ran, the value must not be lost, so
   * `passOn` gives it to someone else and the cancellation is thrown here; otherwise returns the
   * value. (`passOn` is called with `owner` as `this`: callers pass a method, not a closure.)
   */
  kept<T, O>(task: Task<unknown>, value: T, owner: O, passOn: (this: O, value: T) => void): T {
    if (task.cancelRequest === null) return value;
    const cancelled = takeInterrupt(task);
    passOn.call(owner, value);
    throw cancelled;
  }

  /** The task at the front of the line, without waking it. */
  peek(): Task<unknown> | null {
    return this.head;
  }

  /** Wakes the first waiter with `value`; false when nobody waits. */
  wakeFirst(value: unknown): boolean {
    const task = this.head;
    if (task === null) return false;
    this.remove(task);
    task.loop.wake(task, value);
    return true;
  }

  /** Wakes every waiter with `error` thrown at its wait. */
  failAll(error: unknown): void {
    for (let task = this.head; task !== null; task = this.head) {
      this.remove(task);
      task.loop.wakeWithError(task, error);
    }
  }

  /** Wakes every waiter with `value`. */
  wakeAll(value: unknown): void {
    for (let task = this.head; task !== null; task = this.head) {
      this.remove(task);
      task.loop.wake(task, value);
    }
  }

  private append(task: Task<unknown>): void {
    task.waitList = this;
    task.waitPrev = this.tail;
    task.waitNext = null;
    if (this.tail === null) this.head = task;
    else this.tail.waitNext = task;
    this.tail = task;
    this.size++;
  }

  /** @internal Takes `task` out of the line (wherever it is). */
  remove(task: Task<unknown>): void {
    if (task.waitList !== this) return;
    const prev = task.waitPrev;
    const next = task.waitNext;
    if (prev === null) this.head = next;
    else prev.waitNext = next;
    if (next === null) this.tail = prev;
    else next.waitPrev = prev;
    task.waitList = null;
    task.waitPrev = task.waitNext = null;
    this.size--;
  }
}

/** The abort of every wait list's parks. */
function abortWait(task: Task<unknown>): void {
  task.waitList?.remove(task);
  task.waitData = undefined;
}
