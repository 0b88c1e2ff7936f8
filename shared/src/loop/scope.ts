import { Cancelled } from "./errors.js";
import { currentTask } from "./current.js";
import { interrupt, withdrawInterrupt } from "./interrupts.js";
import { park } from "./park.js";
import { completeTask } from "./task-end.js";
import type { Operation, SpawnOptions, Task } from "./task.js";

/**
 * A set of child tasks that cannot outlive the code that owns it: structured concurrency, as in
 * trio's nurseries, asyncio's `TaskGroup` and Effection's scopes.
 *
 * Every task has one implicit scope for the children it `spawn`s: when the task's body ends, those
 * children are cancelled and the task is done only once they have ended. `scope(body)` opens an
 * explicit one that instead waits for all its children.
 *
 * In both, a child that fails while nobody is waiting in `join()` for it fails the scope: its
 * siblings are cancelled, the owner is interrupted, and the error is rethrown by the owner. That
 * is how no error is ever silently dropped.
 */
export class Scope {
  private first: Task<unknown> | null = null;
  private last: Task<unknown> | null = null;
  size = 0;
  failed = false;
  error: unknown = undefined;
  closed = false;
  /** The owner, when it is parked until the scope is empty (explicit scopes only). */
  /** @internal */
  emptyWaiter: Task<unknown> | null = null;
  private tokenError: Cancelled | null = null;
  /** Explicit scopes open in the owner task (kept on its implicit scope, for `loop.dump()`). */
  groups: Set<Scope> | null = null;

  constructor(
    readonly owner: Task<unknown>,
    readonly kind: "task" | "group",
  ) {}

  /** Starts `op` as a task in this scope. */
  spawn<T>(op: Operation<T>, options?: SpawnOptions): Task<T> {
    if (this.closed) throw new Error(`cannot spawn into a closed scope of task ${this.owner}`);
    const task = this.owner.loop.spawnTask(op, this, options?.name);
    const child = task as Task<unknown>;
    child.siblingPrev = this.last;
    if (this.last === null) this.first = child;
    else this.last.siblingNext = child;
    this.last = child;
    this.size++;
    return task;
  }

  /** The children still alive, oldest first. */
  *tasks(): IterableIterator<Task<unknown>> {
    for (let t = this.first; t !== null; t = t.siblingNext) yield t;
  }

  /** Cancels every child still alive. */
  cancelAll(reason = "cancelled by its scope"): void {
    for (let t = this.first; t !== null; ) {
      const next = t.siblingNext; // cancel() may not unlink, but be safe
      t.cancel(reason);
      t = next;
    }
  }

  /** The Cancelled error used to interrupt the owner when a child fails. */
  get token(): Cancelled {
    return (this.tokenError ??= new Cancelled(this.owner, "a child task failed"));
  }

  /** @internal Called by the loop when a child failed and nobody was joining it. */
  fail(error: unknown): void {
    const loop = this.owner.loop;
    if (this.failed) {
      if (error !== this.error) loop.reportError(error, `another child of ${this.owner} failed as well`);
    } else {
      this.failed = true;
      this.error = error;
    }
    this.cancelAll("a sibling failed");
    const ownerState = this.owner.state;
    if (ownerState === "closing" || ownerState === "done") return;
    if (this.kind === "group" && this.closed) return;
    interrupt(this.owner, this.token, false);
  }

  /** @internal Called by the loop when a child has ended. */
  remove(child: Task<unknown>): void {
    const prev = child.siblingPrev;
    const next = child.siblingNext;
    if (prev === null) this.first = next;
    else prev.siblingNext = next;
    if (next === null) this.last = prev;
    else next.siblingPrev = prev;
    child.siblingPrev = child.siblingNext = null;
    this.size--;
    if (this.size > 0) return;
    if (this.kind === "task") {
      if (this.owner.state === "closing") completeTask(this.owner);
    } else if (this.emptyWaiter !== null) {
      const waiter = this.emptyWaiter;
      this.emptyWaiter = null;
      this.owner.loop.wake(waiter, undefined);
    }
  }

  /** @internal Parks the owner until every child has ended. */
  *waitUntilEmpty(): Operation<void> {
    if (this.size === 0) return;
    const me = currentTask();
    this.emptyWaiter = me;
    yield park(me, `scope: ${this.size} children`, abortWaitUntilEmpty, this);
  }
}

function abortWaitUntilEmpty(task: Task<unknown>): void {
  (task.waitData as Scope).emptyWaiter = null;
  task.waitData = undefined;
}

const NOTHING = Symbol("nothing");

/**
 * Runs `body` with a scope it can spawn children into, and returns only when every child has
 * ended (a nursery). If a child fails, its siblings and the body are cancelled and the child's
 * error is rethrown here. If the body fails or is cancelled, the children are cancelled first.
 *
 * ```ts
 * yield* scope(function* (s) {
 *   s.spawn(readLoop(conn), { name: "reader" });
 *   s.spawn(writeLoop(conn), { name: "writer" });
 * });
 * ```
 */
export function* scope<T>(body: (s: Scope) => Operation<T>): Operation<T> {
  const owner = currentTask();
  const s = new Scope(owner, "group");
  const home = (owner.children ??= new Scope(owner, "task"));
  (home.groups ??= new Set()).add(s);
  let result: T | undefined;
  let bodyError: unknown = NOTHING;
  try {
    result = yield* body(s);
  } catch (error) {
    bodyError = error;
    s.cancelAll(error instanceof Cancelled ? "its scope was cancelled" : "its scope failed");
  }
  // The children cannot outlive the scope: wait for them, even if we are cancelled meanwhile.
  let cancelledMeanwhile: unknown = NOTHING;
  while (s.size > 0) {
    try {
      yield* s.waitUntilEmpty();
    } catch (error) {
      s.cancelAll("its scope was cancelled");
      if (error !== s.token) cancelledMeanwhile = error;
    }
  }
  s.closed = true;
  home.groups?.delete(s);
  withdrawInterrupt(owner, s.token); // not delivered: no longer needed
  if (s.failed) {
    if (bodyError !== NOTHING && bodyError !== s.token && !(bodyError instanceof Cancelled)) {
      owner.loop.reportError(bodyError, `the body of a scope in ${owner} failed while a child failed`);
    }
    throw s.error;
  }
  if (bodyError !== NOTHING) throw bodyError;
  if (cancelledMeanwhile !== NOTHING) throw cancelledMeanwhile;
  return result as T;
}
