import { currentTask } from "./current.js";
import type { Operation } from "./task.js";
import { WaitList } from "./wait-list.js";

/** A one-way flag tasks can wait for (asyncio's `Event`): `wait` parks until `set` is called. */
export class Event {
  private flag = false;
  private readonly waiters = new WaitList("Event.wait");

  get isSet(): boolean {
    return this.flag;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    this.waiters.wakeAll(undefined);
  }

  /** Clears the flag so that later `wait` calls park again. */
  clear(): void {
    this.flag = false;
  }

  *wait(): Operation<void> {
    if (this.flag) return;
    yield this.waiters.park(currentTask());
  }
}
