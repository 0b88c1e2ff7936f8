import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Loop, LoopTrace, Queue, sleep, spawn, VirtualClock, type Operation } from "../../shared/src/loop/index.js";

interface Line {
  ms: number;
  event: string;
  task: string;
  name: string;
  detail: string;
}

function traced(program: () => Operation<void>): Promise<Line[]> {
  const path = join(mkdtempSync(join(tmpdir(), "loop-trace-")), "trace.tsv");
  const loop = new Loop({ clock: new VirtualClock(), trace: LoopTrace.toFile(path) });
  return loop.run(program).then(() =>
    readFileSync(path, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => {
        const [ms, event, task, name, detail] = l.split("\t") as [string, string, string, string, string];
        return { ms: Number(ms), event, task, name, detail };
      }),
  );
}

const of = (lines: Line[], name: string): string[] => lines.filter((l) => l.name === name).map((l) => (l.detail === "" ? l.event : `${l.event} ${l.detail}`));

describe("LOOP_TRACE: one line per scheduling decision", () => {
  it("follows a sleeper from spawn to done: run, park on its timer, woken by the timer", async () => {
    const lines = await traced(function* () {
      const t = spawn(
        (function* () {
          yield* sleep(10);
        })(),
        { name: "sleeper" },
      );
      yield* t.join();
    });
    expect(of(lines, "sleeper")).toEqual(["spawn by #1 main", "run", "park sleep 10 ms", "wake by timer", "run", "end returned", "done returned"]);
    expect(of(lines, "main")).toContain("wake by #2 sleeper"); // the join: woken by the task that ended
    const times = lines.map((l) => l.ms);
    expect(times).toEqual([...times].sort((a, b) => a - b)); // monotonic
    expect(lines.some((l) => l.event === "turn" && l.task === "-")).toBe(true);
    expect(lines.some((l) => l.event === "wait" && l.detail.startsWith("timer in"))).toBe(true);
  });

  it("shows a producer waking a consumer parked on a queue, and a cancellation", async () => {
    const lines = await traced(function* () {
      const q = new Queue<number>(1);
      const consumer = spawn(
        (function* () {
          for (;;) yield* q.get();
        })(),
        { name: "consumer" },
      );
      const producer = spawn(
        (function* () {
          yield* sleep(1);
          yield* q.put(1);
        })(),
        { name: "producer" },
      );
      yield* producer.join();
      yield* sleep(1);
      yield* consumer.halt();
    });
    const consumer = of(lines, "consumer");
    expect(consumer.slice(0, 4)).toEqual(["spawn by #1 main", "run", "park Queue.get", "wake by #3 producer"]);
    expect(consumer).toContain("cancel halted");
    expect(consumer.slice(-2)).toEqual(["end cancelled", "done cancelled"]);
  });

  it("is off unless LOOP_TRACE says where: 1 for stderr, a path for a file", () => {
    expect(LoopTrace.fromEnv(undefined)).toBeNull();
    expect(LoopTrace.fromEnv("0")).toBeNull();
    expect(LoopTrace.fromEnv("1")).toBeInstanceOf(LoopTrace);
    expect(new Loop({ trace: null }).trace).toBeNull();
  });
});
