import { describe, expect, it } from "vitest";
import { countPerWindow, largestBurst, summarize } from "../../bench/attacks/rates.js";

describe("the attack bench's rates (bench/attacks/rates.ts)", () => {
  it("counts arrivals per 1 s window from the start, empty windows included, up to the end or the last arrival", () => {
    expect(countPerWindow([1_000, 1_100, 1_999, 2_000, 4_500], 1_000, 3_000)).toEqual([3, 1, 0, 1]);
    expect(countPerWindow([], 0, 2_500)).toEqual([0, 0, 0]);
    expect(countPerWindow([500, 1_500], 1_000, 1_000)).toEqual([1]); // before the start: left out
    expect(countPerWindow([0, 250, 999], 0, 0, 250)).toEqual([1, 1, 0, 1]);
  });

  it("summarizes windows by their median and peak", () => {
    expect(summarize([49, 18, 20, 19, 21])).toEqual({ windows: 5, median: 20, peak: 49 });
    expect(summarize([])).toEqual({ windows: 0, median: NaN, peak: 0 });
  });

  it("finds the largest burst beyond a rate, as a token bucket would count it", () => {
    const steady = Array.from({ length: 100 }, (_, i) => i * 50); // 20/s exactly
    expect(largestBurst(steady, 20)).toBeCloseTo(1);
    const burstThenSteady = [...Array.from({ length: 40 }, () => 0), ...Array.from({ length: 100 }, (_, i) => 50 + i * 50)];
    expect(largestBurst(burstThenSteady, 20)).toBeCloseTo(40);
    // A burst in the middle counts from its own start, not from the first event.
    const late = [0, 10_000, ...Array.from({ length: 30 }, () => 20_000)];
    expect(largestBurst(late, 20)).toBe(30);
    expect(largestBurst([], 20)).toBe(0);
    // Against a brute force over every interval.
    const times = [0, 10, 10, 300, 320, 900, 905, 910, 2_000, 2_001];
    let brute = 0;
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) brute = Math.max(brute, j - i + 1 - (20 * ((times[j] as number) - (times[i] as number))) / 1000);
    }
    expect(largestBurst(times, 20)).toBeCloseTo(brute);
  });
});
