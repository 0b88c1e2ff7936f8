/**
 * The libuv side of the loop. Node already owns the process's `select()` (libuv's epoll), so the
 * scheduler cannot block in it as the lecture's loop does; instead step (3) of each turn tells
 * libuv when to call the next turn:
 *
 *   - tasks are ready        -> `turnSoon`: `setImmediate`, i.e. poll I/O without blocking;
 *   - only sleepers          -> `turnAt`: one `setTimeout` for the earliest deadline;
 *   - nothing but I/O waits  -> `waitForIO`: nothing at all. A socket or worker callback wakes a
 *                               task, which schedules the next turn. An idle loop costs no CPU.
 *
 * It also counts the *wakers*: sockets, listeners and thread jobs that may still wake a task.
 * While there is one, a loop with nothing to do waits for it instead of reporting a deadlock.
 */
import type { VirtualClock } from "./clock.js";

/** Node's setTimeout takes at most 2^31-1 ms (longer fires at once); the timer is re-armed when it fires. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class Host {
  /** Sockets, listeners and thread jobs that may still wake a task. */
  wakers = 0;
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDeadline = Infinity;

  constructor(
    /** Runs one turn of the scheduler. */
    private readonly turn: () => void,
    /** A waker went away: the scheduler decides (at the end of a turn) whether it is deadlocked now. */
    private readonly wakerRemoved: () => void,
  ) {}

  /** A turn as soon as libuv has polled I/O (the lecture's `select` with timeout 0). */
  turnSoon(): void {
    if (this.immediate === null) this.immediate = setImmediate(this.runImmediate);
  }

  /** A turn at `deadline` (`select` with a timeout), unless I/O wakes a task first. */
  turnAt(deadline: number, now: number): void {
    if (this.timer !== null && this.timerDeadline === deadline) return;
    this.clearTimer();
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(deadline - now)));
    this.timerDeadline = deadline;
    this.timer = setTimeout(this.runTimer, delay);
  }

  /**
   * Virtual time: nothing can run before `deadline`, so go straight there. If a socket or thread
   * may still answer in real time, it first gets `clock.autojumpAfterMs` of real time to do so.
   */
  jumpTo(clock: VirtualClock, deadline: number, nothingReady: () => boolean): void {
    if (this.wakers === 0) {
      clock.jumpTo(deadline);
      this.turnSoon();
      return;
    }
    this.clearTimer();
    this.timerDeadline = deadline;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDeadline = Infinity;
      if (nothingReady()) clock.jumpTo(deadline);
      if (this.immediate === null) this.turn();
    }, clock.autojumpAfterMs);
  }

  /** The `select` with no timeout: only an I/O or worker callback can wake the loop now. */
  waitForIO(): void {
    this.clearTimer();
  }

  /** The run is over: nothing more is scheduled. */
  stop(): void {
    this.clearTimer();
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
  }

  /** What libuv has been asked for: a turn soon, a timer, or nothing ("io"). */
  get waitingFor(): "turn" | "timer" | "io" {
    if (this.immediate !== null) return "turn";
    if (this.timer !== null) return "timer";
    return "io";
  }

  /**
   * Registers a waker: something outside the loop (a socket, a worker job) that may wake a task
   * later. Returns the function that removes it; calling that twice is harmless.
   */
  addWaker(): () => void {
    this.wakerOpened();
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.wakerClosed();
    };
  }

  /**
   * `addWaker()` without the closure, for an owner that already knows when it lets go (a socket
   * watch has one per connection). Pair each call with exactly one `wakerClosed()`.
   */
  wakerOpened(): void {
    this.wakers++;
  }

  wakerClosed(): void {
    this.wakers--;
    this.wakerRemoved();
  }

  private readonly runImmediate = (): void => {
    this.immediate = null;
    this.turn();
  };

  private readonly runTimer = (): void => {
    this.timer = null;
    this.timerDeadline = Infinity;
    if (this.immediate === null) this.turn();
  };

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerDeadline = Infinity;
  }
}
