import { describe, expect, it } from "vitest";
import { Backoff } from "../../shared/src/retry/backoff.js";
import { Cooldown } from "../../bot/src/cooldown.js";
import { seededRandom } from "../helpers/seeded-random.js";

describe("Backoff (exponential, full jitter)", () => {
  it("keeps every delay within [0, ceiling], the ceiling doubling from the base up to the cap", () => {
    const backoff = new Backoff({ baseMs: 500, capMs: 30_000, random: seededRandom(1) });
    const ceilings = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000];
    for (const ceiling of ceilings) {
      const delay = backoff.next();
      expect(backoff.ceiling(backoff.attempts)).toBe(ceiling);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
    for (let i = 0; i < 1000; i++) {
      const delay = backoff.next(); // far past the cap: no overflow, still bounded
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });

  it("grows: with the same random draw, each delay is at least the previous one; on average it doubles", () => {
    const high = new Backoff({ baseMs: 500, capMs: 30_000, random: () => 0.999 });
    const delays = Array.from({ length: 10 }, () => high.next());
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
    expect(delays[delays.length - 1]).toBeCloseTo(29_970, 0);

    const random = seededRandom(3);
    const mean = (attempt: number): number => {
      let sum = 0;
      for (let i = 0; i < 2000; i++) {
        const b = new Backoff({ baseMs: 500, capMs: 30_000, random });
        for (let a = 1; a < attempt; a++) b.next();
        sum += b.next();
      }
      return sum / 2000;
    };
    const [m1, m2, m3] = [mean(1), mean(2), mean(3)];
    expect(m2).toBeGreaterThan(m1 * 1.6);
    expect(m3).toBeGreaterThan(m2 * 1.6);
  });

  it("starts over from the base after a reset (a successful join)", () => {
    const backoff = new Backoff({ baseMs: 500, capMs: 30_000, random: () => 0.999 });
    for (let i = 0; i < 5; i++) backoff.next();
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBeLessThanOrEqual(500);
    expect(backoff.attempts).toBe(1);
  });

  it("refuses nonsense settings", () => {
    expect(() => new Backoff({ baseMs: 0, capMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 100, capMs: 10 })).toThrow(RangeError);
  });
});

describe("Cooldown", () => {
  it("allows one action per window and refuses (does not queue) the ones inside it", () => {
    let now = 1_000;
    const cooldown = new Cooldown(5_000, () => now);
    expect(cooldown.tryTake()).toBe(true);
    now += 4_999;
    expect(cooldown.tryTake()).toBe(false);
    now += 1;
    expect(cooldown.tryTake()).toBe(true);
    expect(cooldown.tryTake()).toBe(false);
  });
});
