/**
 * How a task ends. Its coroutine returns or throws (`bodyEnded`); if it has children still alive,
 * they are cancelled and the task waits in state "closing" until the last one has ended; then
 * `completeTask` delivers the outcome: to the tasks waiting in `join()`, or, if nobody was
 * waiting, a failure goes to the task's scope (which fails its owner: no error is dropped).
 */
import type { Outcome, Task } from "./task.js";

/** The coroutine has returned or thrown. The task is done once its children are. */
export function bodyEnded(task: Task<unknown>, outcome: Outcome, value: unknown): void {
  task.loop.hooks?.bodyEnded(task, outcome);
  task.gen = null;
  task.outcome = outcome;
  task.settled = value;
  task.cancelRequest = null;
  task.laterInterrupts = null;
  const children = task.children;
  if (children !== null && children.size > 0) {
    task.state = "closing";
    children.closed = true;
    children.cancelAll(`its parent ${task} has ended`);
    return;
  }
  completeTask(task);
}

/** The task and all its children have ended: deliver the outcome. */
export function completeTask(task: Task<unknown>): void {
  const loop = task.loop;
  const children = task.children;
  if (children !== null) {
    children.closed = true;
    if (children.failed) {
      if (task.outcome !== "failed") {
        task.outcome = "failed";
        task.settled = children.error;
      } else if (task.settled !== children.error) {
        loop.reportError(children.error, `a child of ${task} failed while ${task} failed too`);
      }
    }
  }
  task.state = "done";
  loop.hooks?.done(task, task.outcome ?? "returned");
  loop.stats.liveTasks--;

  // Observed only if someone is waiting now: a join that was cancelled leaves an empty list.
  const joiners = task.joiners;
  const observed = joiners !== null && joiners.length > 0;
  if (joiners !== null) {
    task.joiners = null;
    for (const joiner of joiners) {
      joiner.waitData = undefined; // it held this task (see Task.join)
      if (task.outcome === "returned") loop.wake(joiner, task.settled);
      else loop.wakeWithError(joiner, task.settled);
    }
  }

  const scope = task.scope;
  if (scope === null) {
    if (task.outcome === "returned") loop.finish(undefined, task.settled);
    else loop.finish(task.settled ?? new Error("the main task failed"));
    return;
  }
  if (task.outcome === "failed" && !observed) scope.fail(task.settled);
  scope.remove(task);
}
