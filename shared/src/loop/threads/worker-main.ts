/**
 * The program each ThreadPool worker thread runs: it waits for jobs, imports the job's module
 * (once per module), calls the export and posts back the value or the error.
 *
 * The pool sends a worker one job at a time, so a job may be async: the next job arrives only
 * after this one has answered.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { JobFailed, JobReply, JobRequest, WorkerBootData } from "./protocol.js";

if (parentPort === null) throw new Error("worker-main is the entry of a worker thread; start it with new Worker()");
const port = parentPort;

type ModuleNamespace = Record<string, unknown>;

/** Module URL -> its import, so each job pays for the import only once per worker. */
const modules = new Map<string, Promise<ModuleNamespace>>();

/** Registering tsx's hooks, when a job needs a TypeScript module and they are not there yet. */
let tsx: Promise<void> | null = (workerData as WorkerBootData | undefined)?.tsxRegistered === true ? Promise.resolve() : null;

port.on("message", (job: JobRequest) => {
  void runJob(job);
});

async function runJob(job: JobRequest): Promise<void> {
  let reply: JobReply;
  try {
    const fn = await loadFunction(job.moduleUrl, job.exportName);
    // `await` accepts both plain values and promises, so the export may be sync or async.
    reply = { id: job.id, ok: true, value: await fn(...job.args) };
  } catch (error) {
    reply = describeError(job.id, error);
  }
  try {
    port.postMessage(reply);
  } catch (error) {
    // The value cannot be structured-cloned (a function, a class instance with private state...).
    const why = error instanceof Error ? error.message : String(error);
    port.postMessage(
      describeError(job.id, namedError("DataCloneError", `the value returned by ${job.exportName}() cannot be sent back from the worker thread: ${why}`)),
    );
  }
}

async function loadFunction(moduleUrl: string, exportName: string): Promise<(...args: unknown[]) => unknown> {
  const namespace = await loadModule(moduleUrl);
  const fn = namespace[exportName];
  if (typeof fn !== "function") {
    const exported = Object.keys(namespace).filter((key) => typeof namespace[key] === "function");
    throw new TypeError(
      `export "${exportName}" of ${moduleUrl} is not a function (it is ${describeValue(fn)}); ` +
        `its exported functions: ${exported.length > 0 ? exported.join(", ") : "none"}`,
    );
  }
  return fn as (...args: unknown[]) => unknown;
}

function loadModule(moduleUrl: string): Promise<ModuleNamespace> {
  let loading = modules.get(moduleUrl);
  if (loading === undefined) {
    loading = importModule(moduleUrl);
    modules.set(moduleUrl, loading);
    // A failed import is not cached: the file may exist by the next job.
    loading.catch(() => modules.delete(moduleUrl));
  }
  return loading;
}

async function importModule(moduleUrl: string): Promise<ModuleNamespace> {
  try {
    if (isTypeScript(moduleUrl)) await registerTsx();
    return (await import(moduleUrl)) as ModuleNamespace;
  } catch (error) {
    const loadError = namedError(errorName(error), `cannot load module ${moduleUrl}: ${errorMessage(error)}`);
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string") (loadError as { code?: string }).code = code;
    // Keep the original stack: for an error thrown while the module was evaluated, it points into the module.
    if (error instanceof Error && error.stack !== undefined) loadError.stack = error.stack;
    throw loadError;
  }
}

/**
 * Compiled JavaScript runs this file without tsx; a job may still name a `.ts` module (a script
 * run by tsx, a test). Register tsx's hooks in this thread then: Node 20 does not share the parent's.
 */
function registerTsx(): Promise<void> {
  tsx ??= import("tsx/esm/api").then(
    ({ register }) => {
      register();
    },
    (error: unknown) => {
      tsx = null;
      throw new Error(`loading a TypeScript module needs tsx, which could not be loaded: ${errorMessage(error)}`);
    },
  );
  return tsx;
}

function isTypeScript(moduleUrl: string): boolean {
  return moduleUrl.startsWith("file:") && /\.[cm]?tsx?$/.test(new URL(moduleUrl).pathname);
}

function describeError(id: number, error: unknown): JobFailed {
  const code = (error as { code?: unknown } | null)?.code;
  const reply: JobFailed = {
    id,
    ok: false,
    name: errorName(error),
    message: errorMessage(error),
    stack: error instanceof Error && typeof error.stack === "string" ? error.stack : "",
  };
  if (typeof code === "string") reply.code = code;
  return reply;
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : "Error";
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return `a non-Error value was thrown: ${describeValue(error)}`;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return `an object (${value.constructor?.name ?? "Object"})`;
}
