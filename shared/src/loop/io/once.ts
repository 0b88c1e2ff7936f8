import type { EventEmitter } from "node:events";
import { currentTask } from "../current.js";
import { park } from "../park.js";
import type { Operation } from "../task.js";

/**
 * Parks until `emitter` emits `event`, and returns the event's first argument; throws if it
 * emits `"error"` first. The bridge from a Node event to the loop (the loop's `events.once`).
 * If the task is cancelled meanwhile, the listeners are removed and `onCancel` runs.
 */
export function* once<T = unknown>(
  emitter: EventEmitter,
  event: string,
  options: { waitingOn?: string; onCancel?: () => void } = {},
): Operation<T> {
  const task = currentTask();
  const loop = task.loop;
  let settled = false;
  let failure: { error: unknown } | null = null;
  const onEvent = (value: unknown): void => {
    if (settled) return;
    settled = true;
    loop.wake(task, value);
  };
  const onError = (error: unknown): void => {
    if (settled) return;
    settled = true;
    failure = { error };
    loop.wake(task, undefined);
  };
  emitter.on(event, onEvent);
  if (event !== "error") emitter.on("error", onError);
  const release = loop.host.addWaker(); // a host event may still wake us: not a deadlock
  try {
    const abort = (): void => {
      settled = true;
      options.onCancel?.();
    };
    const value = yield park(task, options.waitingOn ?? `event "${event}"`, abort);
    if (failure !== null) throw (failure as { error: unknown }).error;
    return value as T;
  } finally {
    emitter.off(event, onEvent);
    emitter.off("error", onError);
    release();
  }
}
