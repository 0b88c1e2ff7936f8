import { currentTask } from "./current.js";
import type { Operation } from "./task.js";
import { WaitList } from "./wait-list.js";

/**
 * A counter of permits (asyncio's `Semaphore`): `acquire` parks while none is free. A released
 * permit is handed directly to the longest waiter, so waiters are served in FIFO order and a
 * newcomer cannot overtake them.
 */
export class Semaphore {
  private readonly waiters: WaitList;

  constructor(
    private permits: number,
    label = "Semaphore.acquire",
  ) {
    if (!(permits >= 0) || !Number.isInteger(permits)) throw new RangeError(`permits must be an integer >= 0, got ${permits}`);
    this.waiters = new WaitList(label);
  }

  get available(): number {
    return this.permits;
  }

  tryAcquire(): boolean {
    if (this.permits === 0 || this.waiters.size > 0) return false;
    this.permits--;
    return true;
  }

  *acquire(): Operation<void> {
    if (this.tryAcquire()) return;
    const me = currentTask();
    yield this.waiters.park(me);
    this.waiters.kept(me, undefined, this, this.release); // a permit handed over, then cancelled: pass it on
  }

  release(): void {
    if (!this.waiters.wakeFirst(undefined)) this.permits++;
  }

  /** Runs `op` holding one permit, releasing it however `op` ends. */
  *hold<T>(op: Operation<T>): Operation<T> {
    yield* this.acquire();
    try {
      return yield* op;
    } finally {
      this.release();
    }
  }
}

/** Mutual exclusion between tasks: a semaphore with one permit. */
export class Lock extends Semaphore {
  constructor() {
    super(1, "Lock.acquire");
  }

  get locked(): boolean {
    return this.available === 0;
  }
}
