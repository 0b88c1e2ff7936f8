/**
 * The loop benchmark's scenarios on our own loop (shared/src/loop): ping-pong through two Queues,
 * spawn+join of tasks that yield once, and many short sleeps. Run by run.ts in a fresh process:
 *   node --import tsx bench/loop/impl-loop.ts --scenario a|b|c [--size N]
 * Every coroutine is a top-level generator function with parameters (no closure per spawn).
 */
import { performance } from "node:perf_hooks";
import { Queue, run, sleep, spawn, type Operation, type Task } from "../../shared/src/loop/index.js";
import { runChild } from "./harness.js";

function* pinger(out: Queue<number>, back: Queue<number>, rounds: number): Operation<number> {
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    yield* out.put(i);
    sum += yield* back.get();
  }
  return sum;
}

function* ponger(inbox: Queue<number>, reply: Queue<number>, rounds: number): Operation<void> {
  for (let i = 0; i < rounds; i++) {
    const x = yield* inbox.get();
    yield* reply.put(x);
  }
}

function* pingPong(rounds: number): Operation<number> {
  const q1 = new Queue<number>();
  const q2 = new Queue<number>();
  const b = spawn(ponger(q1, q2, rounds), { name: "B" });
  const a = spawn(pinger(q1, q2, rounds), { name: "A" });
  const sum = yield* a.join();
  yield* b.join();
  return sum;
}

function* child(index: number): Operation<number> {
  yield; // let the other ready tasks run once
  return index;
}

function* spawnJoin(count: number): Operation<number> {
  const tasks: Task<number>[] = new Array(count);
  for (let i = 0; i < count; i++) tasks[i] = spawn(child(i));
  let sum = 0;
  for (let i = 0; i < count; i++) sum += yield* (tasks[i] as Task<number>).join();
  return sum;
}

function* sleeper(ms: number): Operation<number> {
  const start = performance.now();
  yield* sleep(ms);
  return performance.now() - (start + ms);
}

function* sleepers(durations: readonly number[]): Operation<number[]> {
  const tasks = durations.map((ms) => spawn(sleeper(ms)));
  const lateness: number[] = [];
  for (const task of tasks) lateness.push(yield* task.join());
  return lateness;
}

await runChild("loop", {
  pingPong: (messages) => run(pingPong(Math.floor(messages / 2))),
  spawnJoin: (count) => run(spawnJoin(count)),
  sleepers: (durations) => run(sleepers(durations)),
});
