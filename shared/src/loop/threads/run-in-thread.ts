/**
 * `runInThread`: the lecture's `run_in_thread`, on one pool shared by the whole process.
 */
import type { Operation } from "../task.js";
import { ThreadPool } from "./thread-pool.js";

let shared: ThreadPool | null = null;

/**
 * The process-wide pool behind `runInThread`, made on first use with the default size (the
 * number of cores, at most 4). Its idle threads never keep the process alive, so programs need
 * not close it.
 */
export function defaultThreadPool(): ThreadPool {
  return (shared ??= new ThreadPool({ name: "default-threads" }));
}

/**
 * Terminates the default pool's threads (failing jobs still running with `ThreadPoolClosed`).
 * The next `runInThread` makes a new pool. For tests and orderly shutdowns.
 */
export async function closeDefaultThreadPool(): Promise<void> {
  const pool = shared;
  shared = null;
  if (pool !== null) await pool.close();
}

/**
 * Runs the exported function `exportName` of the module `moduleUrl` in a worker thread of the
 * default pool and returns its result; the calling task parks meanwhile and the loop runs the
 * others. See `ThreadPool.run` for errors and cancellation.
 *
 * ```ts
 * // primes.ts: export function countPrimes(below: number): number { ... }
 * const count = yield* runInThread<number>(new URL("./primes.js", import.meta.url), "countPrimes", 10_000_000);
 * ```
 */
export function* runInThread<R>(moduleUrl: string | URL, exportName: string, ...args: unknown[]): Operation<R> {
  return yield* defaultThreadPool().run<R>(moduleUrl, exportName, ...args);
}
