import type { Task } from "./task.js";

/**
 * The only value a coroutine yields to the loop to say "park me until something wakes me".
 * A bare `yield` (undefined) means "I am still runnable; let the others run first"
 * (the lecture's Algorithm #1). Everything else (sleep, queues, joins, sockets) parks.
 */
export const PARK: unique symbol = Symbol("park");
export type Suspend = typeof PARK | undefined;

/**
 * Undoes a park: takes the task off whatever it waits on (a wait list, a timer, a socket).
 * The loop calls it when a parked task is cancelled (curio's `cancel_func`, trio's `abort_fn`).
 */
export type Abort = (task: Task<unknown>) => void;

/**
 * What a parked task waits on, as `loop.dump()` shows it: a fixed string, or a label that is
 * written only when a dump asks for it (typically from the task's `waitData`), so that a park on
 * a hot path builds and keeps no string of its own.
 */
export type WaitingOn = string | { describe(task: Task<unknown>): string };

/**
 * The one blocking primitive (trio's `wait_task_rescheduled`). The caller has already registered
 * `task` wherever it will be woken from; `park` records what it waits on, how to undo that
 * registration if the task is cancelled (`abort`), and `data` for whoever wakes or aborts it, so
 * that both can be shared functions rather than closures. It returns the signal the caller yields:
 *
 * ```ts
 * const value = yield park(task, "my wait", abortMyWait, registration);
 * ```
 *
 * `yield`, not `yield*`: parking adds no generator frame (see "Why parks cost no frame" in
 * shared/README.md). The value passed to `loop.wake(task, value)` is what the `yield` returns; an
 * error passed to `loop.wakeWithError`, or a cancellation, is thrown there.
 */
export function park(task: Task<unknown>, waitingOn: WaitingOn, abort: Abort | null, data?: unknown): typeof PARK {
  task.waitingOn = waitingOn;
  task.abort = abort;
  task.waitData = data;
  return PARK;
}
