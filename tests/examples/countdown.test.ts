import { describe, expect, it } from "vitest";
import { main } from "../../shared/examples/countdown.js";
import { runExample, runScript } from "./helpers.js";

/**
 * The lecture's schedule, derived independently: countdown(down) prints at t = 0, 2, 4, ...
 * and countup(up) at t = 0, 4, 8, ... When both are due together, the one that went to sleep
 * first wakes first: countup (asleep since t-4) before countdown (asleep since t-2); at t = 0
 * spawn order decides (countdown was created first).
 */
function lectureSchedule(down: number, up: number): string[] {
  const events: { t: number; rank: number; text: string }[] = [];
  for (let i = 0; i < down; i++) events.push({ t: 2 * i, rank: i === 0 ? 0 : 1, text: `Count down ${down - i}` });
  for (let j = 0; j < up; j++) events.push({ t: 4 * j, rank: j === 0 ? 1 : 0, text: `Count up ${j + 1}` });
  events.sort((a, b) => a.t - b.t || a.rank - b.rank);
  const end = Math.max(2 * down, 4 * up);
  return [...events.map((e) => `t=${String(e.t).padStart(2)}  ${e.text}`), `t=${String(end).padStart(2)}  both done`];
}

describe("countdown / countup (Algorithm #2)", () => {
  it("interleaves exactly like the lecture's Scheduler for countdown(20) and countup(10)", async () => {
    const unitMs = 1000;
    const { lines, clock } = await runExample((write) => main({ unitMs, write }));
    expect(lines.slice(0, 7)).toEqual([
      "t= 0  Count down 20",
      "t= 0  Count up 1",
      "t= 2  Count down 19",
      "t= 4  Count up 2",
      "t= 4  Count down 18",
      "t= 6  Count down 17",
      "t= 8  Count up 3",
    ]);
    expect(lines).toEqual(lectureSchedule(20, 10));
    expect(clock.now()).toBe(40 * unitMs); // countdown's last nap ends at 40 units
  });

  it("gives the same order for other unit lengths and counts", async () => {
    for (const [unitMs, down, up] of [[7, 5, 3], [1, 3, 6], [250, 1, 1]] as const) {
      const { lines, clock } = await runExample((write) => main({ unitMs, down, up, write }));
      expect(lines).toEqual(lectureSchedule(down, up));
      expect(clock.now()).toBe(Math.max(2 * down, 4 * up) * unitMs);
    }
  });

  it("runs as a program (npm run example:countdown) with a short unit", async () => {
    const result = await runScript("countdown.ts", ["--unit-ms", "5", "--down", "4", "--up", "2"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const texts = result.stdout.trimEnd().split("\n").map((line) => line.replace(/^t=\s*\d+\s+/, ""));
    // Real time drifts a little, so check each coroutine's order, not the exact stamps.
    expect(texts.filter((t) => t.startsWith("Count down"))).toEqual(["Count down 4", "Count down 3", "Count down 2", "Count down 1"]);
    expect(texts.filter((t) => t.startsWith("Count up"))).toEqual(["Count up 1", "Count up 2"]);
    expect(texts.slice(0, 2)).toEqual(["Count down 4", "Count up 1"]);
    expect(texts.at(-1)).toBe("both done");
  });

  it("rejects a bad --unit-ms with exit code 1", async () => {
    const result = await runScript("countdown.ts", ["--unit-ms", "0"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--unit-ms needs a number >= 1");
  });
});
