/**
 * The loop benchmark's scenarios on Effection 4 (the structured-concurrency library we compare
 * with): ping-pong through two `createQueue()`s, spawn+join, and Effection's `sleep`.
 *   node --import tsx bench/loop/impl-effection.ts --scenario a|b|c [--size N]
 * Effection has no "yield to the others" operation; a child yields once with `until` on a
 * resolved promise (one microtask, like the async baseline's `await null`).
 */
import { performance } from "node:perf_hooks";
import { createQueue, run, sleep, spawn, until, type Operation, type Queue, type Task } from "effection";
import { runChild } from "./harness.js";

type NumberQueue = Queue<number, void>;

function* take(queue: NumberQueue): Operation<number> {
  const next = yield* queue.next();
  if (next.done === true) throw new Error("queue closed");
  return next.value;
}

function* pinger(out: NumberQueue, back: NumberQueue, rounds: number): Operation<number> {
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    out.add(i);
    sum += yield* take(back);
  }
  return sum;
}

function* ponger(inbox: NumberQueue, reply: NumberQueue, rounds: number): Operation<void> {
  for (let i = 0; i < rounds; i++) reply.add(yield* take(inbox));
}

function* pingPong(rounds: number): Operation<number> {
  const q1: NumberQueue = createQueue<number, void>();
  const q2: NumberQueue = createQueue<number, void>();
  const b = yield* spawn(() => ponger(q1, q2, rounds));
  const a = yield* spawn(() => pinger(q1, q2, rounds));
  const sum = yield* a;
  yield* b;
  return sum;
}

const resolved = Promise.resolve();

function* child(index: number): Operation<number> {
  yield* until(resolved); // let the other ready tasks run once
  return index;
}

function* spawnJoin(count: number): Operation<number> {
  const tasks: Task<number>[] = new Array(count);
  for (let i = 0; i < count; i++) tasks[i] = yield* spawn(() => child(i));
  let sum = 0;
  for (let i = 0; i < count; i++) sum += yield* tasks[i] as Task<number>;
  return sum;
}

function* sleeper(ms: number): Operation<number> {
  const start = performance.now();
  yield* sleep(ms);
  return performance.now() - (start + ms);
}

function* sleepers(durations: readonly number[]): Operation<number[]> {
  const tasks: Task<number>[] = [];
  for (const ms of durations) tasks.push(yield* spawn(() => sleeper(ms)));
  const lateness: number[] = [];
  for (const task of tasks) lateness.push(yield* task);
  return lateness;
}

await runChild("effection", {
  pingPong: (messages) => run(() => pingPong(Math.floor(messages / 2))),
  spawnJoin: (count) => run(() => spawnJoin(count)),
  sleepers: (durations) => run(() => sleepers(durations)),
});
