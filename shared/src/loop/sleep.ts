import { currentTask } from "./current.js";
import { parkOn, type Operation } from "./task.js";

/** Parks the calling task for `ms` milliseconds of the loop's clock (the lecture's `take_nap`). */
export function* sleep(ms: number): Operation<void> {
  if (!(ms > 0)) {
    // Still a suspension point, so a loop of sleep(0) lets others run and can be cancelled.
    yield;
    return;
  }
  const task = currentTask();
  const loop = task.loop;
  const timer = loop.callLater(ms, () => loop.wake(task, undefined));
  yield* parkOn(task, `sleep ${ms} ms`, () => loop.cancelTimer(timer));
}

/** Lets every other ready task run once, then continues (a bare `yield`, Algorithm #1). */
export function* yieldNow(): Operation<void> {
  yield;
}

/** Parks the calling task until it is cancelled (for tasks whose only job is their `finally`). */
export function* suspendForever(): Operation<never> {
  const task = currentTask();
  yield* parkOn(task, "forever", null);
  throw new Error("unreachable: a task parked forever was woken");
}
