import { closeSync, openSync, writeSync } from "node:fs";
import { describeWait } from "./introspection.js";
import { NoHooks } from "./hooks.js";
import type { Outcome, Task } from "./task.js";

/**
 * LOOP_TRACE: the scheduler's decisions, one line each, so a person can watch the loop work.
 *
 * A line is tab-separated: milliseconds since the loop started (monotonic), the event, the task
 * (`#id`) and its name, and a detail:
 *
 *   12.034  spawn  #3  countdown  by #1 main
 *   12.051  run    #3  countdown
 *   12.060  park   #3  countdown  sleep 1000 ms
 *   1012.3  wake   #3  countdown  by timer
 *   ...     end    #3  countdown  returned
 *
 * Events: `spawn` (detail: by whom), `run` (a step begins), `park` (on what), `yield` (a bare
 * yield: back of the ready queue), `wake` (by a task, a timer, or the host: a socket, a thread
 * or a signal), `cancel` (an interrupt delivered at a park: why), `end` (returned, failed or
 * cancelled; its children may still be closing) and `done` (the task and all its children have
 * ended). Loop lines have `-` for the task: `turn` (a turn begins; detail: tasks ready) and `wait`
 * (the turn hands the thread back to libuv; detail: what can wake it).
 *
 * Lines are buffered and written once per turn, so tracing costs a string per decision and one
 * write per turn; off (the default), it costs nothing: the loop has no trace among its hooks.
 */
export class LoopTrace extends NoHooks {
  private buffered: string[] = [];
  private readonly origin = performance.now();

  private constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
  ) {
    super();
  }

  /** LOOP_TRACE=1 traces to stderr; any other value but 0 is a file to write the trace to. */
  static fromEnv(value: string | undefined): LoopTrace | null {
    if (value === undefined || value === "" || value === "0") return null;
    return value === "1" ? LoopTrace.toFd(2) : LoopTrace.toFile(value);
  }

  static toFile(path: string): LoopTrace {
    return new LoopTrace(openSync(path, "w"), true);
  }

  static toFd(fd: number): LoopTrace {
    return new LoopTrace(fd, false);
  }

  override turnStarted(ready: number): void {
    this.loop("turn", `${ready} ready`);
  }

  override spawned(task: Task<unknown>, by: Task<unknown> | null): void {
    this.task("spawn", task, by === null ? "" : `by #${by.id} ${by.name}`);
  }

  override stepStarted(task: Task<unknown>): void {
    this.task("run", task);
  }

  override parked(task: Task<unknown>): void {
    this.task("park", task, describeWait(task));
  }

  override yielded(task: Task<unknown>): void {
    this.task("yield", task);
  }

  override woken(task: Task<unknown>, by: Task<unknown> | "timer" | "host"): void {
    this.task("wake", task, typeof by === "string" ? `by ${by}` : `by #${by.id} ${by.name}`);
  }

  override cancelDelivered(task: Task<unknown>, reason: string): void {
    this.task("cancel", task, reason);
  }

  override bodyEnded(task: Task<unknown>, outcome: Outcome): void {
    this.task("end", task, outcome);
  }

  override done(task: Task<unknown>, outcome: Outcome): void {
    this.task("done", task, outcome);
  }

  override waiting(ready: number, nextTimerInMs: number | null, wakers: number): void {
    if (ready > 0) this.loop("wait", `poll only: ${ready} ready`);
    else if (nextTimerInMs !== null) this.loop("wait", `timer in ${Math.max(0, nextTimerInMs).toFixed(1)} ms, or I/O`);
    else this.loop("wait", wakers > 0 ? "I/O only" : "nothing can wake a task");
    this.flush();
  }

  override closed(): void {
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
  }

  /** Writes what is buffered (at the end of each turn). */
  flush(): void {
    if (this.buffered.length === 0) return;
    const text = this.buffered.join("");
    this.buffered = [];
    try {
      writeSync(this.fd, text);
    } catch {
      // a closed stderr or a full disk must not take the program down with it
    }
  }

  private task(event: string, task: Task<unknown>, detail = ""): void {
    this.line(event, `#${task.id}`, task.name, detail);
  }

  private loop(event: string, detail: string): void {
    this.line(event, "-", "-", detail);
  }

  private line(event: string, id: string, name: string, detail: string): void {
    const ms = (performance.now() - this.origin).toFixed(3);
    this.buffered.push(`${ms}\t${event}\t${id}\t${clean(name)}\t${clean(detail)}\n`);
  }
}

/** Tabs and newlines would break the format; names and labels rarely hold any. */
function clean(text: string): string {
  return /[\t\n\r]/.test(text) ? text.replace(/[\t\n\r]/g, " ") : text;
}
