/**
 * What the loop tells whoever watches it (curio's kernel hooks): one interface for the metrics
 * (`metrics.ts`: counters, step and turn times, the slow-step log) and for `LOOP_TRACE`
 * (`trace.ts`). The scheduler calls these and nothing else for instrumentation; with nobody
 * watching, `loop.hooks` is null and each call site costs one null check.
 */
import type { Outcome, Task } from "./task.js";

export interface LoopHooks {
  /** A turn begins with `ready` tasks in the ready queue. */
  turnStarted(ready: number): void;
  turnEnded(): void;
  /** `task`'s coroutine is about to be resumed. */
  stepStarted(task: Task<unknown>): void;
  /** It has suspended, returned or thrown. */
  stepEnded(task: Task<unknown>): void;
  /** `by` is the task whose step spawned it (null for the root). */
  spawned(task: Task<unknown>, by: Task<unknown> | null): void;
  parked(task: Task<unknown>): void;
  /** A bare `yield`: back of the ready queue. */
  yielded(task: Task<unknown>): void;
  /** Made ready from a park, by a task's step, a timer, or the host (a socket, a thread, a signal). */
  woken(task: Task<unknown>, by: Task<unknown> | "timer" | "host"): void;
  cancelDelivered(task: Task<unknown>, reason: string): void;
  /** Its coroutine has ended; its children may still be closing. */
  bodyEnded(task: Task<unknown>, outcome: Outcome): void;
  /** It and all its children have ended. */
  done(task: Task<unknown>, outcome: Outcome): void;
  /** The turn hands the thread back to libuv: what can wake the loop next. */
  waiting(ready: number, nextTimerInMs: number | null, wakers: number): void;
  /** The run is over. */
  closed(): void;
}

/** Hooks that do nothing: extend it to watch only a few events. */
export class NoHooks implements LoopHooks {
  turnStarted(_ready: number): void {}
  turnEnded(): void {}
  stepStarted(_task: Task<unknown>): void {}
  stepEnded(_task: Task<unknown>): void {}
  spawned(_task: Task<unknown>, _by: Task<unknown> | null): void {}
  parked(_task: Task<unknown>): void {}
  yielded(_task: Task<unknown>): void {}
  woken(_task: Task<unknown>, _by: Task<unknown> | "timer" | "host"): void {}
  cancelDelivered(_task: Task<unknown>, _reason: string): void {}
  bodyEnded(_task: Task<unknown>, _outcome: Outcome): void {}
  done(_task: Task<unknown>, _outcome: Outcome): void {}
  waiting(_ready: number, _nextTimerInMs: number | null, _wakers: number): void {}
  closed(): void {}
}

/** Several watchers as one (the metrics and a trace, say); null for none. */
export function combineHooks(list: readonly (LoopHooks | null)[]): LoopHooks | null {
  const present = list.filter((h): h is LoopHooks => h !== null);
  if (present.length <= 1) return present[0] ?? null;
  const combined = {} as Record<keyof LoopHooks, (...args: never[]) => void>;
  for (const name of Object.getOwnPropertyNames(NoHooks.prototype) as (keyof LoopHooks | "constructor")[]) {
    if (name === "constructor") continue;
    combined[name] = (...args: never[]) => {
      for (const hooks of present) (hooks[name] as (...a: never[]) => void).apply(hooks, args);
    };
  }
  return combined as unknown as LoopHooks;
}
