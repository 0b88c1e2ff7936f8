/**
 * Algorithm #2 (sleeping): "resume each active coroutine; depending on the resume value put it
 * into the sleeping list or back into the active coroutines. If none is active, find the
 * coroutine that should resume the soonest and sleep the thread until that time."
 *
 * The lecture's example: `countdown(20)` naps 2 units between prints and `countup(10)` naps 4,
 * so their lines interleave by time. When both are due at the same moment, the one that went to
 * sleep first wakes first (the Scheduler's `priority_index`; our loop's timer sequence number).
 *
 *   npm run example:countdown -- [--unit-ms 100] [--down 20] [--up 10]
 */
import { parseArgs } from "node:util";
import { currentTask, run, sleep, spawn, type Operation } from "../src/loop/index.js";
import { numberArg, runIfMain, toStdout, type Write } from "./cli.js";

/** One lecture "unit" of time (the lecture says minutes; the default here is 100 ms). */
export interface Timing {
  unitMs: number;
  /** The loop-clock time the program started at, so lines can say when they were printed. */
  start: number;
}

function stamp(timing: Timing): string {
  const units = Math.round((currentTask().loop.clock.now() - timing.start) / timing.unitMs);
  return `t=${String(units).padStart(2)}`;
}

/** `take_nap(duration)`: park this coroutine on the loop's sleeping list for `units` units. */
export function* takeNap(units: number, timing: Timing): Operation<void> {
  yield* sleep(units * timing.unitMs);
}

export function* countdown(n: number, timing: Timing, write: Write = toStdout): Operation<void> {
  while (n > 0) {
    write(`${stamp(timing)}  Count down ${n}`);
    yield* takeNap(2, timing);
    n -= 1;
  }
}

export function* countup(n: number, timing: Timing, write: Write = toStdout): Operation<void> {
  let x = 1;
  while (x <= n) {
    write(`${stamp(timing)}  Count up ${x}`);
    yield* takeNap(4, timing);
    x += 1;
  }
}

export interface CountdownOptions {
  unitMs?: number;
  down?: number;
  up?: number;
  write?: Write;
}

/** `scheduler.create_task(countdown(20)); scheduler.create_task(countup(10)); scheduler.run()` */
export function* main({ unitMs = 100, down = 20, up = 10, write = toStdout }: CountdownOptions = {}): Operation<void> {
  const timing: Timing = { unitMs, start: currentTask().loop.clock.now() };
  const tasks = [
    spawn(countdown(down, timing, write), { name: "countdown" }),
    spawn(countup(up, timing, write), { name: "countup" }),
  ];
  for (const task of tasks) yield* task.join();
  write(`${stamp(timing)}  both done`);
}

runIfMain(import.meta.url, async () => {
  const { values } = parseArgs({ options: { "unit-ms": { type: "string" }, down: { type: "string" }, up: { type: "string" } } });
  await run(
    main({
      unitMs: numberArg(values["unit-ms"], 100, "unit-ms", 1),
      down: numberArg(values.down, 20, "down"),
      up: numberArg(values.up, 10, "up"),
    }),
  );
});
