/**
 * A double-ended FIFO on a growable ring buffer: `push`, `shift` and `unshift` are O(1).
 *
 * The lecture's first loops use `list.pop(0)`, which is O(n); asyncio uses `collections.deque`.
 * JavaScript's `Array.prototype.shift` is O(n) too, so the ready queue and the Queue's buffer use
 * this instead.
 */
export class RingQueue<T> {
  private slots: (T | undefined)[];
  private head = 0; // index of the first item
  private count = 0;

  constructor(initialCapacity = 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity *= 2;
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = item;
    this.count++;
  }

  /** Puts an item back at the front (used when an item must keep its place in line). */
  unshift(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.head = (this.head - 1) & (this.slots.length - 1);
    this.slots[this.head] = item;
    this.count++;
  }

  /** Removes and returns the first item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined; // let the garbage collector have it
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) {
      yield this.slots[(this.head + i) & (this.slots.length - 1)] as T;
    }
  }

  private grow(): void {
    const old = this.slots;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.slots = next;
    this.head = 0;
  }
}
