import { currentTask } from "./current.js";
import { park } from "./park.js";
import type { Operation, Task } from "./task.js";
import type { Timer } from "./timer-heap.js";

/** Parks the calling task for `ms` milliseconds of the loop's clock (the lecture's `take_nap`). */
export function* sleep(ms: number): Operation<void> {
  if (!(ms > 0)) {
    // Still a suspension point, so a loop of sleep(0) lets others run and can be cancelled.
    yield;
    return;
  }
  const task = currentTask();
  yield park(task, `sleep ${ms} ms`, abortSleep, task.loop.callLater(ms, wakeSleeper, task));
}

// The sleeping task rides in the timer, its timer in `task.waitData`: no closure per sleep.
function wakeSleeper(timer: Timer): void {
  const task = timer.data as Task<unknown>;
  task.waitData = undefined;
  task.loop.wake(task, undefined);
}

function abortSleep(task: Task<unknown>): void {
  task.loop.cancelTimer(task.waitData as Timer);
  task.waitData = undefined;
}

/** Lets every other ready task run once, then continues (a bare `yield`, Algorithm #1). */
export function* yieldNow(): Operation<void> {
  yield;
}

/** Parks the calling task until it is cancelled (for tasks whose only job is their `finally`). */
export function* suspendForever(): Operation<never> {
  yield park(currentTask(), "forever", null);
  throw new Error("unreachable: a task parked forever was woken");
}
