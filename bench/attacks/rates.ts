/**
 * What a flood looked like from inside the room: arrival times (ms) of the lines a watcher saw,
 * turned into counts per 1 s window and compared with a token bucket. Pure, so tested on its own
 * (tests/bench/attack-rates.test.ts).
 */
import { median } from "../common/percentile.js";

/**
 * How many of `times` fall in each window of `windowMs` from `startMs`, up to the window holding
 * the later of `endMs` and the last time (empty windows count: a pause is part of the rate).
 * Times before `startMs` are left out.
 */
export function countPerWindow(times: readonly number[], startMs: number, endMs: number, windowMs = 1_000): number[] {
  let last = endMs;
  for (const t of times) if (t > last) last = t;
  const counts = new Array<number>(Math.max(1, Math.floor((last - startMs) / windowMs) + 1)).fill(0);
  for (const t of times) {
    if (t < startMs) continue;
    const i = Math.floor((t - startMs) / windowMs);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

export interface WindowSummary {
  windows: number;
  median: number;
  peak: number;
}

export function summarize(counts: readonly number[]): WindowSummary {
  return { windows: counts.length, median: median(counts), peak: counts.length === 0 ? 0 : Math.max(...counts) };
}

/**
 * The largest number of events beyond `perSecond` in any interval: max over i ≤ j of
 * (j − i + 1) − perSecond · (t_j − t_i) / 1000. A token bucket of that rate with a burst of B lets
 * through at most B such events, so this is the burst the watcher actually saw. `times` must be
 * in ascending order; one pass (the best start so far is kept as it goes).
 */
export function largestBurst(times: readonly number[], perSecond: number): number {
  const perMs = perSecond / 1000;
  let best = 0;
  let bestStart = -Infinity; // max over i ≤ j of perMs · t_i − i
  times.forEach((t, j) => {
    bestStart = Math.max(bestStart, perMs * t - j);
    best = Math.max(best, j + 1 - perMs * t + bestStart);
  });
  return best;
}
