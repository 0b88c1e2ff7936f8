import type { Task } from "./task.js";

/**
 * The task whose step is running right now. Operations read it synchronously, the way asyncio's
 * `current_task()` works, instead of asking the loop through a `yield`.
 */
let running: Task<unknown> | null = null;

/** @internal The loop sets this around every step. */
export function setRunning(task: Task<unknown> | null): void {
  running = task;
}

/** The task that is calling. Throws when called outside a task (e.g. from a plain callback). */
export function currentTask(): Task<unknown> {
  if (running === null) {
    throw new Error("no task is running: call this from inside a coroutine run by the loop");
  }
  return running;
}

/** Like `currentTask()`, but `null` outside a task. */
export function maybeCurrentTask(): Task<unknown> | null {
  return running;
}
