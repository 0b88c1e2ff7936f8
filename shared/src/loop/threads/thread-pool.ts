/**
 * Running CPU-heavy functions in worker threads, for coroutines (the lecture's "How to
 * incorporate threads in the event loop").
 *
 * The lecture's `run_in_thread` starts a thread that sends its answer through a socketpair; the
 * calling coroutine sleeps until that socket is readable, so nothing polls. Here the socketpair
 * is the worker's message port: the calling task parks, libuv delivers the worker's
 * `postMessage` as a callback, and that callback wakes the task. The loop's thread never waits.
 *
 * Threads are expensive to start (each is a V8 isolate), so a pool keeps up to `size` of them
 * and reuses them; jobs beyond that wait in a FIFO line inside the pool.
 */
// worker-main is only ever loaded by URL; this keeps it in every compilation that includes us.
/// <reference path="./worker-main.ts" />
import { availableParallelism } from "node:os";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { currentTask } from "../current.js";
import { park } from "../park.js";
import type { Operation, Task } from "../task.js";
import { ThreadError, ThreadPoolClosed, WorkerCrashed } from "./errors.js";
import type { JobReply, JobRequest, WorkerBootData } from "./protocol.js";

/**
 * From TypeScript sources (vitest, tsx) a worker must register tsx before it can import
 * worker-main.ts, which tsx-bootstrap.mjs does; compiled JavaScript starts worker-main.js itself.
 */
const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_ENTRY = new URL(FROM_SOURCE ? "./tsx-bootstrap.mjs" : "./worker-main.js", import.meta.url);

export interface ThreadPoolOptions {
  /** How many worker threads at most (default: the number of cores, at most 4). */
  size?: number;
  /** Names the threads (`${name}-1`, ...) in errors and debuggers (default "threads"). */
  name?: string;
}

/** A snapshot of a pool's counters. */
export interface ThreadPoolStats {
  /** The most threads the pool runs at once. */
  size: number;
  /** Threads alive now (started lazily, so at most `size`). */
  threads: number;
  /** Jobs running in a thread now. */
  busy: number;
  /** Jobs waiting for a free thread. */
  queued: number;
  /** Jobs whose function returned a value. */
  completed: number;
  /** Jobs that failed: the function threw, its module did not load, or its thread crashed. */
  failed: number;
  /** Jobs withdrawn because their task was cancelled. */
  cancelled: number;
  /** Threads that crashed, or were terminated because their job was cancelled (replaced lazily). */
  restarted: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Job {
  readonly request: JobRequest;
  readonly task: Task<unknown>;
  /** Releases the loop's hold that stops it from reporting a deadlock while we compute. */
  readonly release: () => void;
  /** Where `run` was called, for the stack of a ThreadError (V8 formats it only if read). */
  readonly callSite: Error;
  thread: PoolThread | null;
  /** The answer, when it came before the task parked (only a failure to send the job can). */
  early: Outcome | null;
}

interface PoolThread {
  readonly worker: Worker;
  readonly name: string;
  job: Job | null;
  /** The uncaught error reported just before the thread exits. */
  crash: unknown;
  /** We terminated it (cancelled job, closed pool): its late messages and exit mean nothing. */
  retired: boolean;
}

/**
 * A fixed-size pool of worker threads that run exported functions of ES modules for coroutines.
 *
 * ```ts
 * const pool = new ThreadPool({ size: 2 });
 * // in a task; fib.ts: export function fib(n: number): number { ... }
 * const n = yield* pool.run<number>(new URL("./fib.js", import.meta.url), "fib", 35);
 * // at shutdown
 * await pool.close();
 * ```
 *
 * Idle threads do not keep the process alive; a thread running a job does. A pool can serve
 * tasks of several loops.
 */
export class ThreadPool {
  readonly size: number;
  readonly name: string;

  private readonly threads = new Set<PoolThread>();
  /** Threads without a job; the most recently used last, so the warmest is reused first. */
  private readonly idle: PoolThread[] = [];
  /** Jobs waiting for a thread. A Set keeps insertion order and removes a cancelled job in O(1). */
  private readonly queue = new Set<Job>();
  private readonly terminating = new Set<Promise<unknown>>();
  private nextJobId = 1;
  private nextThreadId = 1;
  private closed = false;
  private readonly counters = { completed: 0, failed: 0, cancelled: 0, restarted: 0 };

  constructor(options: ThreadPoolOptions = {}) {
    const size = options.size ?? Math.min(4, availableParallelism());
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`ThreadPool size must be an integer >= 1, got ${size}`);
    this.size = size;
    this.name = options.name ?? "threads";
  }

  get stats(): ThreadPoolStats {
    return {
      size: this.size,
      threads: this.threads.size,
      busy: this.threads.size - this.idle.length,
      queued: this.queue.size,
      ...this.counters,
    };
  }

  /**
   * Calls the function `exportName` of the module `moduleUrl` with `args` in a worker thread and
   * returns what it returns (or resolves to). The calling task parks meanwhile; the loop keeps
   * running the others.
   *
   * - `moduleUrl`: best `new URL("./work.js", import.meta.url)`; an absolute path or a package
   *   name also works. TypeScript modules are loaded through tsx.
   * - `args` and the result are structured-cloned (no functions, no class instances).
   * - An error thrown by the function is thrown here as a `ThreadError`; a thread that dies
   *   (`process.exit`, an uncaught asynchronous error) fails the job with `WorkerCrashed`.
   * - Cancelling the task terminates the thread running its job (freeing the CPU) or, if the
   *   job is still queued, removes it.
   *
   * ```ts
   * const digest = yield* pool.run<string>(new URL("./hash.js", import.meta.url), "sha256", bytes);
   * ```
   */
  *run<R>(moduleUrl: string | URL, exportName: string, ...args: unknown[]): Operation<R> {
    if (this.closed) throw new ThreadPoolClosed(`thread pool "${this.name}" is closed`);
    const url = toModuleUrl(moduleUrl);
    const task = currentTask();
    const job: Job = {
      request: { id: this.nextJobId++, moduleUrl: url, exportName, args },
      task,
      release: task.loop.host.addWaker(),
      callSite: new Error(),
      thread: null,
      early: null,
    };
    this.queue.add(job);
    this.dispatch();
    if (job.early !== null) {
      if (job.early.ok) return job.early.value as R;
      throw job.early.error;
    }
    return (yield park(task, `thread: ${exportName}() from ${shortName(url)}`, () => this.withdraw(job))) as R;
  }

  /**
   * Terminates every thread. Jobs still running or queued fail with `ThreadPoolClosed`; `run`
   * fails from now on. Resolves when the threads have stopped.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const closedError = () => new ThreadPoolClosed(`thread pool "${this.name}" was closed while the job waited`);
      for (const job of this.queue) this.finish(job, { ok: false, error: closedError() });
      this.queue.clear();
      for (const thread of [...this.threads]) {
        const job = thread.job;
        this.retire(thread);
        if (job !== null) this.finish(job, { ok: false, error: closedError() });
      }
    }
    await Promise.all(this.terminating);
  }

  // ---------------------------------------------------------------------------------------

  /** Gives queued jobs to idle threads, starting threads up to `size`. */
  private dispatch(): void {
    while (this.queue.size > 0) {
      if (this.idle.length === 0 && this.threads.size >= this.size) return; // all busy: jobs wait
      const job = this.queue.values().next().value as Job;
      this.queue.delete(job);
      let thread = this.idle.pop();
      if (thread === undefined) {
        try {
          thread = this.startThread();
        } catch (error) {
          // Node could not make a thread (ERR_WORKER_INIT_FAILED, out of memory...).
          this.counters.failed++;
          this.finish(job, { ok: false, error });
          continue;
        }
      }
      this.assign(thread, job);
    }
  }

  private assign(thread: PoolThread, job: Job): void {
    thread.job = job;
    job.thread = thread;
    thread.worker.ref(); // a running job keeps the process alive
    try {
      thread.worker.postMessage(job.request);
    } catch (error) {
      // The arguments cannot be structured-cloned; the thread never saw the job.
      thread.job = null;
      job.thread = null;
      this.makeIdle(thread);
      this.counters.failed++;
      const why = error instanceof Error ? error.message : String(error);
      const cloneError = new TypeError(`the arguments of ${job.request.exportName}() cannot be sent to a worker thread: ${why}`, { cause: error });
      this.finish(job, { ok: false, error: cloneError });
    }
  }

  private startThread(): PoolThread {
    const name = `${this.name}-${this.nextThreadId++}`;
    const workerData: WorkerBootData = { tsxRegistered: FROM_SOURCE };
    const thread: PoolThread = { worker: new Worker(WORKER_ENTRY, { name, workerData }), name, job: null, crash: undefined, retired: false };
    thread.worker.on("message", (reply: JobReply) => this.answered(thread, reply));
    thread.worker.on("messageerror", (error: Error) => this.answered(thread, null, error));
    // Without an "error" listener an uncaught error in the thread would be rethrown in ours.
    thread.worker.on("error", (error: unknown) => {
      thread.crash = error;
    });
    thread.worker.on("exit", (code: number) => this.exited(thread, code));
    this.threads.add(thread);
    return thread;
  }

  private makeIdle(thread: PoolThread): void {
    thread.worker.unref(); // an idle pool never keeps the process alive
    this.idle.push(thread);
  }

  /** The worker answered (or its answer could not be deserialized: `garbled`). */
  private answered(thread: PoolThread, reply: JobReply | null, garbled?: Error): void {
    const job = thread.job;
    // An answer for a job whose task was cancelled, from a thread we are terminating.
    if (thread.retired || job === null || (reply !== null && reply.id !== job.request.id)) return;
    thread.job = null;
    job.thread = null;
    this.makeIdle(thread);
    if (reply?.ok === true) {
      this.counters.completed++;
      this.finish(job, { ok: true, value: reply.value });
    } else {
      this.counters.failed++;
      const remote = reply ?? { name: "DataCloneError", message: `the answer of the worker thread could not be read: ${garbled?.message}`, stack: "" };
      const where = `${thread.name}: ${job.request.exportName}() from ${job.request.moduleUrl}`;
      this.finish(job, { ok: false, error: new ThreadError(remote, where, job.callSite.stack ?? "") });
    }
    this.dispatch();
  }

  /** The thread stopped on its own: it crashed, or the function called `process.exit`. */
  private exited(thread: PoolThread, code: number): void {
    if (thread.retired) return;
    this.threads.delete(thread);
    const i = this.idle.indexOf(thread);
    if (i >= 0) this.idle.splice(i, 1);
    this.counters.restarted++;
    const job = thread.job;
    if (job !== null) {
      thread.job = null;
      job.thread = null;
      this.counters.failed++;
      const crash = thread.crash;
      const why =
        crash === undefined
          ? `it exited with code ${code}`
          : `uncaught ${crash instanceof Error ? `${crash.name}: ${crash.message}` : String(crash)}`;
      const message = `worker thread ${thread.name} died while running ${job.request.exportName}() from ${job.request.moduleUrl}: ${why}`;
      this.finish(job, { ok: false, error: new WorkerCrashed(message, code, { cause: crash }) });
    }
    this.dispatch(); // the replacement starts when a job needs it
  }

  /** The task of `job` was cancelled while it waited (the park's abort). */
  private withdraw(job: Job): void {
    this.counters.cancelled++;
    job.release();
    if (this.queue.delete(job)) return; // never started: nothing else to undo
    const thread = job.thread;
    if (thread === null) return;
    // A thread cannot be interrupted in the middle of a function, only terminated.
    this.retire(thread);
    this.counters.restarted++;
    this.dispatch();
  }

  /** Terminates `thread` and forgets it. */
  private retire(thread: PoolThread): void {
    thread.retired = true;
    if (thread.job !== null) thread.job.thread = null;
    thread.job = null;
    this.threads.delete(thread);
    const i = this.idle.indexOf(thread);
    if (i >= 0) this.idle.splice(i, 1);
    const stopping = thread.worker.terminate().catch(() => undefined);
    this.terminating.add(stopping);
    void stopping.then(() => this.terminating.delete(stopping));
  }

  /** Delivers the outcome to the job's task and lets its loop stop waiting for us. */
  private finish(job: Job, outcome: Outcome): void {
    const task = job.task;
    if (task.state !== "parked") {
      job.early = outcome; // still inside run(), before its park
    } else if (outcome.ok) {
      task.loop.wake(task, outcome.value);
    } else {
      task.loop.wakeWithError(task, outcome.error);
    }
    job.release();
  }
}

/** Absolute URL or package name as is; absolute paths become file: URLs; relative paths are refused. */
function toModuleUrl(moduleUrl: string | URL): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (isAbsolute(moduleUrl)) return pathToFileURL(moduleUrl).href;
  if (moduleUrl.startsWith(".")) {
    throw new TypeError(
      `the worker cannot know what "${moduleUrl}" is relative to; pass new URL(${JSON.stringify(moduleUrl)}, import.meta.url)`,
    );
  }
  return moduleUrl;
}

function shortName(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}
