import { Cancelled, TimeoutError } from "./errors.js";
import { currentTask } from "./current.js";
import { interrupt, withdrawInterrupt } from "./interrupts.js";
import type { Operation } from "./task.js";

/**
 * Runs `op` in the calling task; if it has not finished after `ms`, cancels it (its `finally`
 * blocks run, and may wait) and then raises `TimeoutError`. Like asyncio's `timeout()` and trio's
 * `fail_after`: no extra task, and `op`'s value and errors pass through unchanged.
 *
 * ```ts
 * const line = yield* timeout(30_000, reader.readLine());
 * ```
 */
export function* timeout<T>(ms: number, op: Operation<T>): Operation<T> {
  const task = currentTask();
  const loop = task.loop;
  const expired = new Cancelled(task, `timeout of ${ms} ms expired`);
  const timer = loop.callLater(ms, () => interrupt(task, expired, false));
  try {
    return yield* op;
  } catch (error) {
    if (error === expired) throw new TimeoutError(ms);
    throw error;
  } finally {
    loop.cancelTimer(timer);
    // The timer fired but `op` finished before the cancellation was delivered: withdraw it.
    withdrawInterrupt(task, expired);
  }
}
