import type { Task } from "./task.js";

/**
 * Thrown into a task at the point where it is suspended when the task is cancelled, so that its
 * `finally` blocks run (and may themselves wait) exactly as for any other exception.
 * `task` is the task the cancellation is addressed to.
 */
export class Cancelled extends Error {
  override name = "Cancelled";
  constructor(
    readonly task: Task<unknown>,
    readonly reason: string = "cancelled",
  ) {
    super(`task #${task.id} ${JSON.stringify(task.name)}: ${reason}`);
  }
}

/** Raised by `timeout(ms, op)` when `op` did not finish in time (after `op` has been cancelled). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** Raised by a closed Queue: by `put` at once, by `get` once the queue is empty. */
export class QueueClosed extends Error {
  override name = "QueueClosed";
  constructor(message = "queue is closed") {
    super(message);
  }
}

/** `run()` rejects with this when every task waits and nothing (timer, socket, thread) can wake one. */
export class Deadlock extends Error {
  override name = "Deadlock";
}

/** A coroutine yielded something the loop does not understand (usually `yield` where `yield*` was meant). */
export class BadYield extends TypeError {
  override name = "BadYield";
}
