import { performance } from "node:perf_hooks";

/** Where the loop reads the time, in milliseconds. */
export interface Clock {
  now(): number;
  /** True for a clock the loop may move forward itself when nothing else can happen. */
  readonly virtual: boolean;
}

/** Wall-clock time from a monotonic source (`performance.now()`), for production. */
export class RealClock implements Clock {
  readonly virtual = false;
  now(): number {
    return performance.now();
  }
}

/**
 * Virtual time for tests, after trio's `MockClock`: time stands still while tasks run, and when
 * every task is waiting the loop jumps straight to the next timer's deadline. A test of a
 * 30-second timeout then takes microseconds and gives the same result on every run.
 *
 * `autojumpAfterMs` is how long (in real time) the loop first waits for sockets or worker threads
 * before it jumps, when some are being waited on: real I/O must get its chance to arrive first.
 */
export class VirtualClock implements Clock {
  readonly virtual = true;
  private time: number;
  readonly autojumpAfterMs: number;

  constructor(options: { start?: number; autojumpAfterMs?: number } = {}) {
    this.time = options.start ?? 0;
    this.autojumpAfterMs = options.autojumpAfterMs ?? 20;
  }

  now(): number {
    return this.time;
  }

  /** Moves time forward; the loop fires the timers that became due on its next turn. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`VirtualClock.advance needs ms >= 0, got ${ms}`);
    this.time += ms;
  }

  /** Moves time to `deadline` if that is later than now. */
  jumpTo(deadline: number): void {
    if (deadline > this.time) this.time = deadline;
  }
}
