export { ThreadPool, type ThreadPoolOptions, type ThreadPoolStats } from "./thread-pool.js";
export { runInThread, defaultThreadPool, closeDefaultThreadPool } from "./run-in-thread.js";
export { ThreadError, WorkerCrashed, ThreadPoolClosed } from "./errors.js";
