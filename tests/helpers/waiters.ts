/**
 * How tests wait: for the event they expect, never for a fixed time.
 *
 * - `Waiters`, when something can announce a change (a line received, a log entry, a process's
 *   output, a view redrawn): each arrival calls `notify()`, and every pending `until` re-checks
 *   its condition.
 * - `eventually`, only when nothing announces the change (a tmux screen, a counter inside a loop,
 *   an HTTP endpoint): it re-checks on a short timer.
 *
 * Both give up after a generous deadline (CI machines are loaded 2-core boxes), failing with what
 * was awaited and what was seen instead.
 */
import { DEADLINE_MS } from "../../bench/common/waiters.js";

export { DEADLINE_MS, Waiters } from "../../bench/common/waiters.js";

export interface EventuallyOptions {
  /** What there is instead, for the failure message (e.g. the screen, the loop's dump). */
  seen: () => string;
  deadlineMs?: number;
  /** How often to look again. */
  everyMs?: number;
}

/** Re-checks `condition` until it holds, for state that no event announces (prefer `Waiters`). */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, { seen, deadlineMs = DEADLINE_MS, everyMs = 20 }: EventuallyOptions): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; saw instead:\n${seen()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
