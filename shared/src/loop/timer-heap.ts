/**
 * The sleeping list of the lecture's Algorithm #2 and #5: a binary min-heap of timers ordered by
 * (deadline, sequence). The sequence number breaks ties, so timers with equal deadlines fire in
 * the order they were set (FIFO), exactly like the `(deadline, self.sequence, func)` tuples the
 * lecture pushes with `heapq`.
 *
 * Unlike `heapq`, each timer remembers its index in the heap, so cancelling one (which is what
 * most timeouts end with) removes it in O(log n) instead of leaving garbage behind.
 */
export class Timer {
  /** Position in the heap array; -1 once fired or cancelled. */
  index = -1;
  constructor(
    readonly deadline: number,
    readonly seq: number,
    readonly callback: (timer: Timer) => void,
    /** Whatever the callback needs (e.g. the sleeping task), so it need not be a closure. */
    readonly data: unknown = undefined,
  ) {}

  get pending(): boolean {
    return this.index >= 0;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

export class TimerHeap {
  private heap: Timer[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The timer that is due first, if any. */
  peek(): Timer | undefined {
    return this.heap[0];
  }

  add(deadline: number, callback: (timer: Timer) => void, data?: unknown): Timer {
    const timer = new Timer(deadline, this.nextSeq++, callback, data);
    timer.index = this.heap.length;
    this.heap.push(timer);
    this.siftUp(timer.index);
    return timer;
  }

  /** Removes and returns the first timer if its deadline is at or before `now`. */
  popDue(now: number): Timer | undefined {
    const first = this.heap[0];
    if (first === undefined || first.deadline > now) return undefined;
    this.removeAt(0);
    return first;
  }

  /** Takes a pending timer out of the heap; a timer that already fired is left alone. */
  remove(timer: Timer): void {
    if (timer.index >= 0) this.removeAt(timer.index);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index] as Timer;
    const last = heap.pop() as Timer;
    removed.index = -1;
    if (last === removed) return;
    heap[index] = last;
    last.index = index;
    this.siftUp(index);
    this.siftDown(last.index);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const timer = heap[index] as Timer;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Timer;
      if (!before(timer, parent)) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = timer;
    timer.index = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const timer = heap[index] as Timer;
    const n = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as Timer, heap[left] as Timer)) child = right;
      const smaller = heap[child] as Timer;
      if (!before(smaller, timer)) break;
      heap[index] = smaller;
      smaller.index = index;
      index = child;
    }
    heap[index] = timer;
    timer.index = index;
  }
}
