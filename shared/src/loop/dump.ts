import type { Task } from "./task.js";

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

function describeTask(task: Task<unknown>): string {
  let state: string = task.state;
  const on = task.waitingOn;
  if (task.state === "parked" && on !== null) state += `: ${typeof on === "string" ? on : on.describe(task)}`;
  if (task.state === "done" && task.outcome !== null) state += `: ${task.outcome}`;
  if (task.cancelRequest !== null) state += " (cancel pending)";
  return `#${task.id} ${task.name} [${state}]`;
}

/** Explicit scopes register themselves on the owner so the dump can find their children. */
function groupsOwnedBy(task: Task<unknown>): Iterable<{ tasks(): Iterable<Task<unknown>> }> {
  return task.children?.groups ?? [];
}
