/**
 * The loop benchmark's scenarios in plain async/await, the baseline: ping-pong through a minimal
 * promise queue, spawn+join of async functions that `await null` once, and setTimeout sleeps.
 *   node --import tsx bench/loop/impl-async.ts --scenario a|b|c [--size N]
 */
import { performance } from "node:perf_hooks";
import { runChild } from "./harness.js";

/** An unbounded FIFO: items and waiting getters are arrays read from a head index (no Array.shift). */
class AsyncQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private getters: (((item: T) => void) | undefined)[] = [];
  private getterHead = 0;

  put(item: T): void {
    if (this.getterHead < this.getters.length) {
      const resolve = this.getters[this.getterHead] as (item: T) => void;
      this.getters[this.getterHead++] = undefined;
      if (this.getterHead === this.getters.length) this.getters.length = this.getterHead = 0;
      resolve(item);
    } else {
      this.items.push(item);
    }
  }

  get(): Promise<T> {
    if (this.head === this.items.length) return new Promise((resolve) => this.getters.push(resolve));
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) this.items.length = this.head = 0;
    return Promise.resolve(item);
  }
}

async function pinger(out: AsyncQueue<number>, back: AsyncQueue<number>, rounds: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < rounds; i++) {
    out.put(i);
    sum += await back.get();
  }
  return sum;
}

async function ponger(inbox: AsyncQueue<number>, reply: AsyncQueue<number>, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) reply.put(await inbox.get());
}

async function pingPong(rounds: number): Promise<number> {
  const q1 = new AsyncQueue<number>();
  const q2 = new AsyncQueue<number>();
  const b = ponger(q1, q2, rounds);
  const sum = await pinger(q1, q2, rounds);
  await b;
  return sum;
}

async function child(index: number): Promise<number> {
  await null; // let the other ready tasks run once
  return index;
}

async function spawnJoin(count: number): Promise<number> {
  const tasks: Promise<number>[] = new Array(count);
  for (let i = 0; i < count; i++) tasks[i] = child(i);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += await (tasks[i] as Promise<number>);
  return sum;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sleeper(ms: number): Promise<number> {
  const start = performance.now();
  await sleep(ms);
  return performance.now() - (start + ms);
}

async function sleepers(durations: readonly number[]): Promise<number[]> {
  const tasks = durations.map((ms) => sleeper(ms));
  const lateness: number[] = [];
  for (const task of tasks) lateness.push(await task);
  return lateness;
}

await runChild("async", {
  pingPong: (messages) => pingPong(Math.floor(messages / 2)),
  spawnJoin,
  sleepers,
});
