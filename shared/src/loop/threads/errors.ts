/**
 * What a task sees when the function it ran in a worker thread did not return a value.
 */

/**
 * The function run in a worker thread threw (or its promise rejected), or its module could not be
 * loaded. Errors cannot cross threads as objects, so this is a local error that carries the
 * remote one's name, message and code; its `stack` is the caller's stack followed by the worker's.
 *
 * ```ts
 * try {
 *   yield* runInThread(new URL("./parse.js", import.meta.url), "parse", text);
 * } catch (error) {
 *   if (error instanceof ThreadError && error.remoteName === "SyntaxError") reject(text);
 *   else throw error;
 * }
 * ```
 */
export class ThreadError extends Error {
  /** The `name` of the error thrown in the worker (also this error's `name`). */
  readonly remoteName: string;
  /** The stack trace of the error in the worker, as the worker printed it. */
  readonly remoteStack: string;
  /** The remote error's `code` (e.g. "ERR_MODULE_NOT_FOUND"), when it had one. */
  readonly code: string | undefined;

  constructor(remote: { name: string; message: string; stack: string; code?: string | undefined }, where: string, callerStack: string) {
    super(remote.message);
    this.name = remote.name;
    this.remoteName = remote.name;
    this.remoteStack = remote.stack;
    this.code = remote.code;
    const header = `${this.name}: ${this.message}`;
    const caller = frames(callerStack);
    this.stack = `${header}\n${caller === "" ? "" : caller + "\n"}  in worker thread (${where}):\n${indent(remote.stack || header)}`;
  }
}

/**
 * The worker thread running the job died before answering: the function called `process.exit`,
 * an error escaped it asynchronously (a throwing timer, an unhandled rejection), or the thread
 * ran out of memory. The pool has already replaced the worker; `cause` is the uncaught error.
 */
export class WorkerCrashed extends Error {
  override name = "WorkerCrashed";
  constructor(
    message: string,
    /** The worker's exit code (1 after an uncaught error). */
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The pool was closed before the job could finish, or `run` was called on a closed pool. */
export class ThreadPoolClosed extends Error {
  override name = "ThreadPoolClosed";
}

/** The stack's frame lines, without the "Name: message" header. */
function frames(stack: string): string {
  const lines = stack.split("\n");
  const first = lines.findIndex((line) => /^\s+at /.test(line));
  return first < 0 ? "" : lines.slice(first).join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => "    " + line)
    .join("\n");
}
