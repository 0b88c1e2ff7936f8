export { Loop, type LoopOptions } from "./loop.js";
export { LoopMetrics, type LoopStats, type LoopLogger } from "./metrics.js";
export { NoHooks, type LoopHooks } from "./hooks.js";
export { Host } from "./host.js";
export { Task, spawn, spawnChild, join, alreadyDone, type Operation, type TaskState, type Outcome, type SpawnOptions } from "./task.js";
export { park, PARK, type Suspend, type Abort, type WaitingOn } from "./park.js";
export { currentTask, maybeCurrentTask } from "./current.js";
export { Scope, scope } from "./scope.js";
export { sleep, yieldNow, suspendForever } from "./sleep.js";
export { timeout } from "./timeout.js";
export { all, race } from "./combinators.js";
export { Queue } from "./queue.js";
export { Event } from "./event.js";
export { Semaphore, Lock } from "./semaphore.js";
export { WaitList } from "./wait-list.js";
export { RealClock, VirtualClock, type Clock } from "./clock.js";
export { Cancelled, TimeoutError, QueueClosed, Deadlock, BadYield } from "./errors.js";
export type { TaskView, LoopSnapshot } from "./introspection.js";
export { RingQueue } from "./ring-queue.js";
export { DurationHistogram } from "./histogram.js";
export { LoopTrace } from "./trace.js";
export { TimerHeap, Timer } from "./timer-heap.js";
export * from "./io/index.js";
export * from "./threads/index.js";

import { Loop, type LoopOptions } from "./loop.js";
import type { Operation } from "./task.js";

/** Runs `main` on a new loop (asyncio's `asyncio.run`). */
export function run<T>(main: Operation<T> | (() => Operation<T>), options?: LoopOptions & { name?: string }): Promise<T> {
  return new Loop(options).run(main, options);
}
