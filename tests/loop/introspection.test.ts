import { describe, expect, it } from "vitest";
import { Loop, LoopMetrics, Queue, scope, sleep, spawn, suspendForever, yieldNow, type LoopLogger, type Operation } from "../../shared/src/loop/index.js";
import { RecentActivity } from "../../shared/src/loop/activity.js";
import { virtualLoop } from "./helpers.js";

/** A server-like task tree: a scope with a reader parked on a queue and a sleeping keepalive. */
function serverTree(): Operation<void> {
  return scope(function* (s) {
    s.spawn(new Queue<string>().get(), { name: "reader alice" });
    s.spawn(sleep(5_000), { name: "keepalive" });
    yield* suspendForever();
  });
}

describe("introspection", () => {
  it("dump() prints the task tree with each task's state and what it waits on", async () => {
    const { loop } = virtualLoop();
    let snapshot = "";
    await loop.run(function* () {
      const server = spawn(serverTree(), { name: "server" });
      yield* sleep(1);
      snapshot = loop.dump();
      yield* server.halt();
    });
    const lines = snapshot.split("\n");
    expect(lines[0]).toMatch(/^loop: 4 live tasks, 0 ready, 1 timers/);
    expect(lines.slice(1)).toEqual([
      "#1 main [running]",
      "  #2 server [parked: forever]",
      "    #3 reader alice [parked: Queue.get]",
      "    #4 keepalive [parked: sleep 5000 ms]",
    ]);
  });

  it("tasks() lists the live tasks as data: state and what each waits on", async () => {
    const { loop } = virtualLoop();
    let listed: ReturnType<Loop["tasks"]> = [];
    await loop.run(function* () {
      const server = spawn(serverTree(), { name: "server" });
      const finished = spawn(yieldNow(), { name: "finished" });
      yield* finished.join();
      yield* sleep(1);
      listed = loop.tasks();
      yield* server.halt();
    });
    expect(listed.map(({ name, state, waitingOn }) => ({ name, state, waitingOn }))).toEqual([
      { name: "main", state: "running", waitingOn: "" },
      { name: "server", state: "parked", waitingOn: "forever" },
      { name: "reader alice", state: "parked", waitingOn: "Queue.get" },
      { name: "keepalive", state: "parked", waitingOn: "sleep 5000 ms" },
    ]);
  });

  it("dump() names the task a joiner waits for", async () => {
    const { loop } = virtualLoop();
    let snapshot = "";
    await loop.run(function* () {
      const sleeper = spawn(sleep(10), { name: "sleeper" });
      const joiner = spawn(sleeper.join(), { name: "joiner" });
      yield* sleep(1);
      snapshot = loop.dump();
      yield* joiner.join();
    });
    expect(snapshot).toContain("#3 joiner [parked: join #2 sleeper]");
  });

  it("counts steps, switches, spawned and live tasks, and the ready queue's high-water mark", async () => {
    const { loop } = virtualLoop();
    let liveInside = 0;
    await loop.run(function* () {
      const tasks = Array.from({ length: 10 }, () =>
        spawn(
          (function* () {
            yield* yieldNow();
          })(),
        ),
      );
      liveInside = loop.stats.liveTasks;
      for (const t of tasks) yield* t.join();
    });
    expect(liveInside).toBe(11);
    expect(loop.stats.spawned).toBe(11);
    expect(loop.stats.liveTasks).toBe(0);
    // main: 2 steps (start, woken by the first join); each child: 2 steps.
    expect(loop.stats.steps).toBe(22);
    expect(loop.stats.switches).toBeGreaterThanOrEqual(21);
    expect(loop.stats.readyHighWater).toBe(10);
  });

  it("in debug mode, logs each step that blocks the loop longer than the threshold, with the task's name", async () => {
    const warnings: { fields: object; message: string }[] = [];
    const logger: LoopLogger = { warn: (fields, message) => warnings.push({ fields, message }), error: () => {} };
    const loop = new Loop({ debug: true, slowStepMs: 100, logger });
    await loop.run(function* () {
      const hog = spawn(
        (function* () {
          const until = performance.now() + 250;
          while (performance.now() < until) {
            // a CPU-bound step that forgets to yield
          }
          yield* yieldNow();
        })(),
        { name: "cpu-hog" },
      );
      yield* hog.join();
    });
    // Only the hog's step is reported (a loaded machine could in theory stall another step too).
    const hogWarnings = warnings.filter((w) => (w.fields as { task?: string }).task === "cpu-hog");
    expect(hogWarnings).toHaveLength(1);
    expect(hogWarnings[0]?.message).toMatch(/slow step: task #2 cpu-hog blocked the loop for \d+/);
    expect(hogWarnings[0]?.fields).toMatchObject({ taskId: 2 });
    expect(loop.stats.slowSteps).toBe(warnings.length);
  });
});

describe("step and turn times (for /metrics)", () => {
  const spin = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const quiet: LoopLogger = { warn: () => {}, error: () => {} };

  it("a step that blocks the thread shows in both histograms: as a slow step and as loop lag", async () => {
    const loop = new Loop({ debug: true, logger: quiet }); // debug: every step is timed
    await loop.run(function* () {
      yield* yieldNow();
      spin(15);
      yield* yieldNow();
    });
    const { stepTimes, turnTimes } = loop.metrics as LoopMetrics;
    const above10ms = (h: typeof stepTimes): number => h.count - (h.cumulative().find(([bound]) => bound === 10)?.[1] ?? 0);
    expect(above10ms(stepTimes)).toBe(1);
    expect(stepTimes.maxMs).toBeGreaterThanOrEqual(15);
    expect(above10ms(turnTimes)).toBeGreaterThanOrEqual(1);
    expect(turnTimes.count).toBe(loop.stats.turns);
  });

  it("outside debug mode about one step in 32 is timed, spaced at random", async () => {
    const loop = new Loop();
    await loop.run(function* () {
      for (let i = 0; i < 10_000; i++) yield* yieldNow();
    });
    // Gaps between timed steps are 16 to 47 steps long.
    const { stepTimes } = loop.metrics as LoopMetrics;
    expect(stepTimes.count).toBeGreaterThanOrEqual(Math.floor(loop.stats.steps / 48));
    expect(stepTimes.count).toBeLessThanOrEqual(Math.ceil(loop.stats.steps / 16) + 1);
  });
});

describe("RecentActivity (the live view's 'recently')", () => {
  it("covers the last 5 to 10 seconds: older windows roll off, and a long idle spell forgets everything", () => {
    const recent = new RecentActivity(0);
    recent.turnEnded(1_000, 30, 100, 10); // a slow turn early on
    recent.stepTimed(25, "cruncher");
    recent.turnEnded(6_000, 2, 200, 20); // a new window starts; the slow one is still "recent"
    expect(recent.read(7_000, 300, 30)).toMatchObject({ seconds: 7, steps: 300, slowestTurnMs: 30, slowestStepMs: 25, slowestStepTask: "cruncher" });
    const later = recent.read(11_500, 400, 40); // the first window rolled off
    expect(later).toMatchObject({ seconds: 5.5, steps: 200, turns: 20, slowestTurnMs: 2, slowestStepMs: 0 }); // the turn at 6 s is still in
    expect(later.stepsPerSecond).toBe(Math.round(200 / 5.5));
    expect(recent.read(60_000, 400, 40)).toMatchObject({ steps: 0, stepsPerSecond: 0, slowestTurnMs: 0 }); // idle for long
  });
});
