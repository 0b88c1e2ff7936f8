import { describe, expect, it } from "vitest";
import { join, run, spawn, type Operation } from "../../shared/src/loop/index.js";
import { failing, main, sumRange } from "../../shared/examples/spawn-join.js";
import { runExample, runScript } from "./helpers.js";

const plainSum = (from: number, to: number): number => ((from + to) * (to - from + 1)) / 2;

describe("spawn / join (Algorithm #4)", () => {
  it("the parent joins its children and adds up their values; join rethrows a child's error", async () => {
    const unitMs = 10;
    const { value, lines, clock } = await runExample((write) => main({ workers: 4, n: 10_000, unitMs, write }));
    expect(value).toEqual({
      partials: [plainSum(1, 2500), plainSum(2501, 5000), plainSum(5001, 7500), plainSum(7501, 10_000)],
      total: 50_005_000,
      error: "worker-bad: cannot sum a range that ends before it starts",
    });
    expect(lines).toEqual([
      "main: spawned 4 workers", // spawn returned at once; the children have not run yet
      "worker-1: summing 1..2500",
      "worker-2: summing 2501..5000",
      "worker-3: summing 5001..7500",
      "worker-4: summing 7501..10000",
      // worker k naps (5 - k) units per slice, so they finish in reverse order
      "worker-4: done, 7501..10000 = 21876250",
      "worker-3: done, 5001..7500 = 15626250",
      "worker-2: done, 2501..5000 = 9376250",
      "worker-1: done, 1..2500 = 3126250",
      "main: joined worker-1 = 3126250 (waited for it)",
      "main: joined worker-2 = 9376250 (it had already finished)",
      "main: joined worker-3 = 15626250 (it had already finished)",
      "main: joined worker-4 = 21876250 (it had already finished)",
      "main: total = 50005000 (n(n+1)/2 = 50005000)",
      "worker-bad: starting",
      "main: join rethrew: worker-bad: cannot sum a range that ends before it starts",
    ]);
    // worker-1: two naps of 4 units; then worker-bad: one nap of 1 unit.
    expect(clock.now()).toBe(9 * unitMs);
  });

  it("splits any n among any number of workers without losing a number", async () => {
    for (const [workers, n] of [[1, 10], [3, 1000], [7, 12_345], [5, 3]] as const) {
      const { value } = await runExample((write) => main({ workers, n, unitMs: 1, write }));
      expect(value.total).toBe((n * (n + 1)) / 2);
      expect(value.partials).toHaveLength(workers);
    }
  });

  it("join delivers the very error object the child threw, and a child's value when it returns", async () => {
    const result = await run(function* (): Operation<[number, unknown]> {
      const good = spawn(sumRange("good", 1, 2000, 0, () => {}));
      const sum = yield* join(good);
      const bad = spawn(failing("bad", 0, () => {}));
      try {
        yield* join(bad);
        return [sum, null];
      } catch (error) {
        return [sum, error];
      }
    });
    expect(result[0]).toBe(plainSum(1, 2000));
    expect(result[1]).toBeInstanceOf(Error);
    expect((result[1] as Error).message).toBe("bad: cannot sum a range that ends before it starts");
  });

  it("runs as a program (npm run example:spawn)", async () => {
    const result = await runScript("spawn-join.ts", ["--workers", "3", "--n", "3000", "--unit-ms", "1"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toContain("main: total = 4501500 (n(n+1)/2 = 4501500)");
    expect(lines.filter((line) => line.startsWith("main: joined "))).toHaveLength(3);
    expect(lines.at(-1)).toBe("main: join rethrew: worker-bad: cannot sum a range that ends before it starts");
  });
});
