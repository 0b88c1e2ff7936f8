import { closeSync, openSync, writeSync } from "node:fs";
import type { Task } from "./task.js";

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
 * write per turn; off (the default), it costs one null check per decision.
 */
export class LoopTrace {
  private buffered: string[] = [];
  private readonly origin = performance.now();

  private constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
  ) {}

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

  task(event: string, task: Task<unknown>, detail = ""): void {
    this.line(event, `#${task.id}`, task.name, detail);
  }

  loop(event: string, detail: string): void {
    this.line(event, "-", "-", detail);
  }

  /** Writes what is buffered (the loop calls it at the end of each turn). */
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

  close(): void {
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
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
