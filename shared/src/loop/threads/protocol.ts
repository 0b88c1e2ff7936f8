/**
 * The messages between a ThreadPool and its worker threads. Everything here crosses the thread
 * boundary by structured clone, so it is plain data: no classes, no functions.
 */

/** Pool -> worker: call `exportName` of `moduleUrl` with `args` and answer with a JobReply. */
export interface JobRequest {
  id: number;
  moduleUrl: string;
  exportName: string;
  args: unknown[];
}

/** Worker -> pool: the value the function returned (or resolved to), or what it threw. */
export type JobReply = JobSucceeded | JobFailed;

export interface JobSucceeded {
  id: number;
  ok: true;
  value: unknown;
}

export interface JobFailed {
  id: number;
  ok: false;
  name: string;
  message: string;
  stack: string;
  /** The error's `code` (e.g. "ERR_MODULE_NOT_FOUND"), when it had a string one. */
  code?: string;
}

/** The `workerData` a pool gives each worker. */
export interface WorkerBootData {
  /** tsx's ESM hooks were registered before the entry ran (we run from TypeScript sources). */
  tsxRegistered: boolean;
}
