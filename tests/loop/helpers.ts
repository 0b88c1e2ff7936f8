import { Loop, VirtualClock, type LoopOptions, type Operation } from "../../shared/src/loop/index.js";

/** Runs `main` on a fresh loop with virtual time: sleeps and timeouts take no real time. */
export function runVirtual<T>(main: () => Operation<T>, options: LoopOptions = {}): Promise<T> {
  const clock = new VirtualClock();
  return new Loop({ clock, ...options }).run(main);
}

/** A loop with virtual time that the test can inspect (clock, stats, dump). */
export function virtualLoop(options: LoopOptions = {}): { loop: Loop; clock: VirtualClock } {
  const clock = new VirtualClock();
  return { loop: new Loop({ clock, ...options }), clock };
}
