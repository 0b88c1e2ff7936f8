/**
 * What the loop shows of itself: the task tree as text (`loop.dump()`), the live tasks as data
 * (`loop.tasks()`), tasks counted by kind and the live view (`loop.snapshot()`, the server's `/loop`).
 */
import type { Activity } from "./activity.js";
import type { Task, TaskState } from "./task.js";

/** `Loop.snapshot()`: the live view. */
export interface LoopSnapshot {
  liveTasks: number;
  /** Live tasks by kind (their names without numbers and addresses), most numerous first. */
  tasksByKind: Record<string, number>;
  /** Tasks in the ready queue now, and the most there have ever been. */
  ready: number;
  readyHighWater: number;
  timers: number;
  /** Sockets, listeners and thread jobs that may wake a task (the host's wakers). */
  hostWaits: number;
  waitingFor: "turn" | "timer" | "io";
  /** Steps per second and the slowest turn and step of the last 5 to 10 seconds (null without metrics). */
  recent: Activity | null;
}

/** Renders a task and its descendants as an indented tree (what `loop.dump()` prints). */
export function formatTaskTree(root: Task<unknown>): string {
  const lines: string[] = [];
  const visit = (task: Task<unknown>, depth: number): void => {
    lines.push(`${"  ".repeat(depth)}${describeTask(task)}`);
    if (task.children !== null) for (const child of task.children.tasks()) visit(child, depth + 1);
    for (const group of groupsOwnedBy(task)) for (const child of group.tasks()) visit(child, depth + 1);
  };
  visit(root, 0);
  return lines.join("\n");
}

/**
 * Live tasks counted by kind: the name without its variable parts (numbers, addresses, indices),
 * so "connection 10.0.0.7:51234" counts as "connection" and "all[3]" as "all".
 */
export function countTasksByKind(root: Task<unknown>): Map<string, number> {
  const counts = new Map<string, number>();
  const visit = (task: Task<unknown>): void => {
    if (task.state !== "done") {
      const kind = task.name.split(" ").filter((word) => !/\d/.test(word)).join(" ").replace(/\[.*\]$/, "") || "(unnamed)";
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    if (task.children !== null) for (const child of task.children.tasks()) visit(child);
    for (const group of groupsOwnedBy(task)) for (const child of group.tasks()) visit(child);
  };
  visit(root);
  return counts;
}

/** One live task as `loop.tasks()` lists it: what a test or an operator asks about, as data. */
export interface TaskView {
  id: number;
  name: string;
  state: TaskState;
  /** What it waits on while parked ("sleep 10 ms", "Queue.get", "socket readable 1.2.3.4:5"); "" otherwise. */
  waitingOn: string;
}

/** Every task of the tree that has not ended, parents before their children. */
export function listTasks(root: Task<unknown>): TaskView[] {
  const views: TaskView[] = [];
  const visit = (task: Task<unknown>): void => {
    if (task.state !== "done") views.push({ id: task.id, name: task.name, state: task.state, waitingOn: task.state === "parked" ? describeWait(task) : "" });
    if (task.children !== null) for (const child of task.children.tasks()) visit(child);
    for (const group of groupsOwnedBy(task)) for (const child of group.tasks()) visit(child);
  };
  visit(root);
  return views;
}

/** What a parked task waits on, in words ("sleep 10 ms", "Queue.get", "socket readable 1.2.3.4:5"). */
export function describeWait(task: Task<unknown>): string {
  const on = task.waitingOn;
  return on === null ? "" : typeof on === "string" ? on : on.describe(task);
}

function describeTask(task: Task<unknown>): string {
  let state: string = task.state;
  if (task.state === "parked" && task.waitingOn !== null) state += `: ${describeWait(task)}`;
  if (task.state === "done" && task.outcome !== null) state += `: ${task.outcome}`;
  if (task.cancelRequest !== null) state += " (cancel pending)";
  return `#${task.id} ${task.name} [${state}]`;
}

/** Explicit scopes register themselves on the owner so the dump can find their children. */
function groupsOwnedBy(task: Task<unknown>): Iterable<{ tasks(): Iterable<Task<unknown>> }> {
  return task.children?.groups ?? [];
}
