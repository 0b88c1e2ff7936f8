import { QueueClosed } from "./errors.js";
import { currentTask } from "./current.js";
import { RingQueue } from "./ring-queue.js";
import { alreadyDone, type Operation } from "./task.js";
import { WaitList } from "./wait-list.js";

/**
 * The lecture's asynchronous queue (Algorithm #3): `get` parks while the queue is empty, `put`
 * parks while it is full (when `maxsize` is set).
 *
 * Items are handed straight to the longest-waiting getter, so waiters are served strictly
 * first come, first served and an item never sits in the buffer while someone waits for it.
 * A getter that is cancelled after an item was handed to it, but before it ran, passes the item
 * on to the next getter (or back to the front of the buffer): cancellation never loses an item.
 *
 * `close()` ends the queue: `put` fails at once, `get` returns what is left and then fails,
 * and every parked task is woken with `QueueClosed`.
 */
export class Queue<T> {
  private readonly items = new RingQueue<T>();
  private readonly getters = new WaitList("Queue.get");
  private readonly putters = new WaitList("Queue.put (full)");
  private closedError: QueueClosed | null = null;

  constructor(readonly maxsize = Infinity) {
    if (!(maxsize >= 1)) throw new RangeError(`Queue maxsize must be >= 1, got ${maxsize}`);
  }

  /** Items waiting in the buffer. */
  get size(): number {
    return this.items.length;
  }

  get full(): boolean {
    return this.items.length >= this.maxsize;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Tasks parked in `get`. */
  get waitingGetters(): number {
    return this.getters.size;
  }

  /** Adds `item` without waiting; false when the queue is full. Throws `QueueClosed` when closed. */
  tryPut(item: T): boolean {
    if (this.closedError !== null) throw this.closedError;
    if (this.getters.wakeFirst(item)) return true; // hand-off to the longest waiter
    if (this.items.length >= this.maxsize) return false;
    this.items.push(item);
    return true;
  }

  /** Adds `item`, parking while the queue is full. */
  put(item: T): Operation<void> {
    if (this.tryPut(item)) return alreadyDone; // the common case: no generator to create
    return this.putWhenRoom(item);
  }

  private *putWhenRoom(item: T): Operation<void> {
    // Full: wait in line; a getter moves our item into the buffer and wakes us.
    yield this.putters.park(currentTask(), item);
  }

  /** Takes the first item without waiting; `undefined` when empty (check `size` if T may be undefined). */
  tryGet(): T | undefined {
    if (this.items.length === 0) {
      if (this.closedError !== null) throw this.closedError;
      return undefined;
    }
    const item = this.items.shift() as T;
    this.admitPutter();
    return item;
  }

  /** Takes the first item, parking while the queue is empty. */
  *get(): Operation<T> {
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.admitPutter();
      return item;
    }
    if (this.closedError !== null) throw this.closedError;
    const me = currentTask();
    const item = (yield this.getters.park(me)) as T; // sleep in line until a put hands us an item
    return this.getters.kept(me, item, this, this.giveBack);
  }

  /** Closes the queue and wakes every parked task with `QueueClosed`. Idempotent. */
  close(reason = "queue is closed"): void {
    if (this.closedError !== null) return;
    this.closedError = new QueueClosed(reason);
    this.getters.failAll(this.closedError);
    this.putters.failAll(this.closedError);
  }

  /** A slot became free: move the first blocked putter's item into the buffer. */
  private admitPutter(): void {
    const putter = this.putters.peek();
    if (putter === null || this.items.length >= this.maxsize) return;
    this.items.push(putter.waitData as T);
    putter.waitData = undefined;
    this.putters.wakeFirst(undefined);
  }

  private giveBack(item: T): void {
    if (this.getters.wakeFirst(item)) return;
    this.items.unshift(item);
  }
}
