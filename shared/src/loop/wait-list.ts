import { currentTask } from "./current.js";
import { PARK, type Operation, type Task } from "./task.js";

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
   * Parks the calling task at the back of the line until `wakeFirst`/`wakeAll` hands it a value
   * (returned here) or an error (thrown here). `data` rides along with the task for the waker.
   */
  *wait(data?: unknown): Operation<unknown> {
    const task = currentTask();
    this.enqueue(task, data);
    return yield PARK;
  }

  /**
   * Puts `task` at the back of the line and records how to take it out again; the caller then
   * suspends with `yield PARK`. (What `wait` does, spelled out for hot paths that cannot afford
   * one more generator per wait.)
   */
  enqueue(task: Task<unknown>, data?: unknown): void {
    task.waitData = data;
    task.waitingOn = this.label;
    task.abort = abortWait;
    this.append(task);
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

/** One shared abort function for every wait list: no closure per park. */
function abortWait(task: Task<unknown>): void {
  task.waitList?.remove(task);
  task.waitData = undefined;
}
