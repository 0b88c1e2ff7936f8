import { Cancelled } from "./errors.js";
import { currentTask } from "./current.js";
import { Queue } from "./queue.js";
import { scope } from "./scope.js";
import type { Operation } from "./task.js";

type Results<T extends readonly Operation<unknown>[]> = { -readonly [K in keyof T]: T[K] extends Operation<infer R> ? R : never };

/**
 * Runs every operation as a child task and returns their values in order. If one fails, the
 * others are cancelled and its error is thrown (asyncio's `gather` inside a `TaskGroup`).
 */
export function* all<T extends readonly Operation<unknown>[]>(ops: T): Operation<Results<T>> {
  return yield* scope(function* (s) {
    const tasks = ops.map((op, i) => s.spawn(op, { name: `all[${i}]` }));
    const values: unknown[] = [];
    for (const task of tasks) values.push(yield* task.join());
    return values as Results<T>;
  });
}

type Finish<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs every operation as a child task; the first to finish (return or fail) wins, the others are
 * cancelled and waited for, and its value is returned or its error thrown.
 */
export function* race<T>(ops: readonly Operation<T>[]): Operation<T> {
  if (ops.length === 0) throw new RangeError("race() needs at least one operation");
  const finishes = new Queue<Finish<T>>();
  return yield* scope(function* (s) {
    ops.forEach((op, i) => s.spawn(runner(op, finishes), { name: `race[${i}]` }));
    const first = yield* finishes.get();
    s.cancelAll("lost the race");
    if (first.ok) return first.value;
    throw first.error;
  });
}

function* runner<T>(op: Operation<T>, finishes: Queue<Finish<T>>): Operation<void> {
  try {
    finishes.tryPut({ ok: true, value: yield* op });
  } catch (error) {
    if (error instanceof Cancelled && error.task === currentTask()) throw error; // lost the race
    finishes.tryPut({ ok: false, error });
  }
}
