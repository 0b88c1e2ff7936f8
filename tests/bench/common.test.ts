import { describe, expect, it } from "vitest";
import { choice, flag, list, number, OptionError, parseArgv, usageLine } from "../../bench/common/options.js";
import { median, nearestRank, percentile } from "../../bench/common/percentile.js";

const SPECS = {
  quick: flag(),
  reps: number({ min: 1, integer: true }),
  window: number({ min: 0.1, arg: "S" }),
  only: list(["a", "b", "c"]),
  scenario: choice(["a", "b"]),
};

describe("the benchmarks' option parser", () => {
  it("reads flags, numbers, lists and choices, as --name value or --name=value", () => {
    expect(parseArgv(["--quick", "--reps", "3", "--window=1.5", "--only", "a, c", "--scenario=b"], SPECS)).toEqual({
      quick: true,
      reps: 3,
      window: 1.5,
      only: ["a", "c"],
      scenario: "b",
    });
    expect(parseArgv([], SPECS)).toEqual({ quick: false, reps: undefined, window: undefined, only: undefined, scenario: undefined });
  });

  it("refuses what it cannot use, saying why", () => {
    const problem = (argv: string[]): string => {
      try {
        parseArgv(argv, SPECS);
      } catch (error) {
        if (error instanceof OptionError) return error.message;
      }
      return "accepted";
    };
    expect(problem(["--fast"])).toBe("unknown option --fast");
    expect(problem(["fast"])).toBe('unexpected argument "fast"');
    expect(problem(["--reps"])).toBe("--reps needs a value");
    expect(problem(["--reps", "--quick"])).toBe("--reps needs a value");
    expect(problem(["--reps", "0"])).toBe('--reps needs a whole number >= 1, got "0"');
    expect(problem(["--reps", "2.5"])).toBe('--reps needs a whole number >= 1, got "2.5"');
    expect(problem(["--window", ""])).toBe('--window needs a number >= 0.1, got ""');
    expect(problem(["--only", "a,d"])).toBe('--only: unknown "d" (one of a, b, c)');
    expect(problem(["--scenario", "c"])).toBe('--scenario: unknown "c" (one of a, b)');
    expect(problem(["--quick=yes"])).toBe("--quick takes no value");
  });

  it("writes a usage line with every option", () => {
    expect(usageLine({ name: "x", invocation: "npm run x --", options: SPECS })).toBe("usage: npm run x -- [--quick] [--reps N] [--window S] [--only a,b,c] [--scenario a|b]");
  });
});

describe("the benchmarks' percentile", () => {
  it("is the nearest rank, p as a fraction", () => {
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1);
    expect([0, 0.1, 0.5, 0.55, 0.9, 0.99, 1].map((p) => percentile(sorted, p))).toEqual([1, 1, 5, 6, 9, 10, 10]);
    expect(percentile([], 0.5)).toBeNaN();
    expect(nearestRank(0.99, 1000)).toBe(990);
    expect(nearestRank(0, 5)).toBe(1);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});
