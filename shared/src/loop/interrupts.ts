/**
 * Interrupts: how a `Cancelled` reaches a task. A cancellation, a timeout's expiry or a scope's
 * "a child failed" is delivered at the task's current suspension point if it is parked, else at
 * its next one. A task has at most one pending interrupt (`cancelRequest`); others that arrive
 * meanwhile wait their turn (`laterInterrupts`) rather than being dropped: the pending one may yet
 * be withdrawn (a timeout whose operation finished first), and then the next must still arrive
 * (a failed child must interrupt its parent; an outer timeout must fire).
 */
import type { Cancelled } from "./errors.js";
import type { Task } from "./task.js";

/**
 * Delivers `cancelled` at the task's current or next suspension point. `replace` lets a real
 * cancellation override a pending timeout or scope interruption; otherwise it waits its turn.
 */
export function interrupt(task: Task<unknown>, cancelled: Cancelled, replace: boolean): void {
  if (task.state === "done" || task.state === "closing") return;
  if (task.cancelRequest !== null && !replace) {
    if (task.cancelRequest !== cancelled && !(task.laterInterrupts?.includes(cancelled) ?? false)) (task.laterInterrupts ??= []).push(cancelled);
    return;
  }
  task.cancelRequest = cancelled;
  if (task.state === "parked") deliverInterrupt(task);
}

/** Takes the pending interrupt for delivery; the next waiting one (if any) becomes pending. */
export function takeInterrupt(task: Task<unknown>): Cancelled | null {
  const cancelled = task.cancelRequest;
  const later = task.laterInterrupts;
  task.cancelRequest = later?.shift() ?? null;
  if (later !== null && later.length === 0) task.laterInterrupts = null;
  return cancelled;
}

/** `cancelled` is no longer wanted (its reason went away before it was delivered). */
export function withdrawInterrupt(task: Task<unknown>, cancelled: Cancelled): void {
  if (task.cancelRequest === cancelled) {
    takeInterrupt(task);
    return;
  }
  const later = task.laterInterrupts;
  if (later === null) return;
  const i = later.indexOf(cancelled);
  if (i >= 0) later.splice(i, 1);
  if (later.length === 0) task.laterInterrupts = null;
}

/**
 * A parked task with a pending interrupt: undo its park (its abort) and make it ready to have the
 * `Cancelled` thrown in where it waited.
 */
export function deliverInterrupt(task: Task<unknown>): void {
  const abort = task.abort;
  task.abort = null;
  task.waitingOn = null;
  if (abort !== null) abort(task);
  const cancelled = takeInterrupt(task);
  task.resumeThrows = true;
  task.resumeWith = cancelled;
  task.state = "ready";
  task.loop.hooks?.cancelDelivered(task, cancelled?.reason ?? "");
  task.loop.makeReady(task);
}
