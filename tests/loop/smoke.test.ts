import { describe, expect, it } from "vitest";
import { run, spawn } from "../../shared/src/loop/index.js";

describe("run", () => {
  it("returns what the main coroutine returns, including a child's value via join", async () => {
    const value = await run(function* () {
      const child = spawn((function* () {
        yield;
        return 21;
      })());
      return (yield* child.join()) * 2;
    });
    expect(value).toBe(42);
  });
});
