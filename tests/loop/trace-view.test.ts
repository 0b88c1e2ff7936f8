import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Loop, LoopTrace, sleep, spawn, VirtualClock, type Operation } from "../../shared/src/loop/index.js";
import { main as queueExample } from "../../shared/examples/producer-consumer.js";
import { renderHtml } from "../../shared/tools/trace-html.js";
import { buildModel, makeView, summarize, type TaskTrack, type TraceModel } from "../../shared/tools/trace-model.js";
import { renderText, row } from "../../shared/tools/trace-text.js";
import { viewTrace } from "../../shared/tools/trace-view.js";

/** Runs `program` on a virtual-clock loop with tracing on; returns the trace file's text. */
async function traceOf(program: () => Operation<unknown>): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), "trace-view-")), "trace.tsv");
  await new Loop({ clock: new VirtualClock(), trace: LoopTrace.toFile(path) }).run(program);
  return readFileSync(path, "utf8");
}

/**
 * The trace stamps real time, and on a virtual clock a sleep takes none of it. Each step burns
 * `ms` of real CPU so that the steps of two tasks land in different columns, in order.
 */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: this step is the work
  }
}

/** The lecture's countdown/countup pair, in units of 1 ms of virtual time. */
function* counter(n: number, napMs: number): Operation<void> {
  for (let i = 0; i < n; i++) {
    busy(2);
    yield* sleep(napMs);
  }
  busy(2);
}

function* countdownCountup(): Operation<void> {
  const down = spawn(counter(4, 2), { name: "countdown" });
  const up = spawn(counter(2, 4), { name: "countup" });
  yield* down.join();
  yield* up.join();
}

const task = (model: TraceModel, name: string): TaskTrack => {
  const found = model.tasks.find((t) => t.name === name);
  if (found === undefined) throw new Error(`no task ${name} in the trace`);
  return found;
};

/** The timeline's rows: after the header and its blank line, before the axis. */
function timelineRows(text: string): string[] {
  const lines = text.split("\n");
  return lines.slice(2, lines.findIndex((l) => l.startsWith(" ".repeat(20))));
}

/** Columns of a row that show a step and that no other listed row shows one in. */
function ownRunColumns(rows: string[][], which: number): number[] {
  const mine = rows[which] ?? [];
  return mine.flatMap((mark, c) => (mark === "█" && rows.every((r, i) => i === which || r[c] !== "█") ? [c] : []));
}

describe("trace-view: the model of a real trace", () => {
  it("counts the steps, parks and outcome of countdown/countup, and their latencies are never negative", async () => {
    const model = buildModel(await traceOf(countdownCountup));
    expect(model.tasks.map((t) => t.label)).toEqual(["#1 main", "#2 countdown", "#3 countup"]);
    const view = makeView(model, {});
    const down = summarize(task(model, "countdown"), view);
    expect(down.steps).toBe(5); // four naps split five steps
    expect(Object.fromEntries(down.parks)).toEqual({ timer: 4 });
    expect(down.outcome).toBe("returned");
    expect(down.runMs).toBeGreaterThanOrEqual(5 * 2); // each step spins 2 ms
    const main = summarize(task(model, "main"), view);
    expect(main.parks.get("join")).toBeGreaterThanOrEqual(1);
    for (const t of model.tasks) {
      const s = summarize(t, view);
      expect(s.readyMs).toBeGreaterThanOrEqual(0);
      expect(s.longestReadyMs).toBeGreaterThanOrEqual(0);
      expect(s.longestReadyMs).toBeLessThanOrEqual(s.readyMs);
    }
    expect(model.malformedLines + model.unknownEvents.size + model.oddities).toBe(0);
  });

  it("sees consumers park on the queue and producers on their timers (the producer/consumer example)", async () => {
    const model = buildModel(await traceOf(() => queueExample({ unitMs: 1, write: () => {} })));
    expect(model.tasks.map((t) => t.name)).toEqual(["main", "C1", "C2", "P1", "P2", "P3"]);
    const view = makeView(model, {});
    for (const name of ["C1", "C2"]) expect(summarize(task(model, name), view).parks.get("queue")).toBeGreaterThanOrEqual(1);
    for (const name of ["P1", "P2", "P3"]) expect(summarize(task(model, name), view).parks.get("timer")).toBe(4);
    // the queue holds 2 and consumers are slower: some producer finds it full
    expect(["P1", "P2", "P3"].some((name) => (summarize(task(model, name), view).parks.get("queue") ?? 0) > 0)).toBe(true);
    for (const t of model.tasks) {
      expect(t.done).toBe("returned");
      for (const span of t.spans) expect(span.to).toBeGreaterThanOrEqual(span.from);
    }
  });
});

describe("trace-view: the text timeline", () => {
  it("gives each task a row, interleaves the steps of two alternating tasks, keeps to the width", async () => {
    const model = buildModel(await traceOf(countdownCountup));
    const view = makeView(model, {});
    const width = 200;
    const text = renderText(model, view, width);
    const timeline = timelineRows(text);
    expect(timeline.map((l) => l.slice(0, 20).trim())).toEqual(["#1 main", "#2 countdown", "#3 countup"]);
    for (const line of [...timeline, ...text.split("\n").filter((l) => l.includes("┴"))]) expect([...line]).toHaveLength(20 + width);

    const rows = [task(model, "countdown"), task(model, "countup")].map((t) => row(t, view, width));
    const down = ownRunColumns(rows, 0);
    const up = ownRunColumns(rows, 1);
    // countdown, then countup, then countdown again, each in a column of its own
    expect(up.some((u) => down.some((d) => d < u) && down.some((d) => d > u))).toBe(true);
    expect(down.some((d) => up.some((u) => u < d) && up.some((u) => u > d))).toBe(true);

    expect(text).toContain("█ running");
    expect(text).toContain("░ ready");
    expect(text).toContain("t timer");
  });

  it("renders a tiny hand-written trace exactly", () => {
    const trace = [
      "0.000\tspawn\t#1\tmain\t",
      "0.000\tturn\t-\t-\t1 ready",
      "0.000\trun\t#1\tmain\t",
      "1.000\tspawn\t#2\tworker\tby #1 main",
      "2.000\tpark\t#1\tmain\tjoin #2 worker",
      "2.000\trun\t#2\tworker\t",
      "3.000\tpark\t#2\tworker\tsleep 5 ms",
      "3.000\twait\t-\t-\ttimer in 5.0 ms, or I/O",
      "8.000\tturn\t-\t-\t0 ready",
      "8.000\twake\t#2\tworker\tby timer",
      "9.000\trun\t#2\tworker\t",
      "10.000\tend\t#2\tworker\treturned",
      "10.000\tdone\t#2\tworker\treturned",
      "10.000\twake\t#1\tmain\tby #2 worker",
      "10.000\trun\t#1\tmain\t",
      "10.000\tend\t#1\tmain\treturned",
      "10.000\tdone\t#1\tmain\treturned",
    ].join("\n");
    const model = buildModel(trace);
    expect(renderText(model, makeView(model, {}), 10)).toBe(
      [
        "0–10.00 ms, 2 tasks, one column = 1.000 ms",
        "",
        "#1 main             ██j······█",
        "#2 worker            ░█t····░█",
        "                    ┴────────┴",
        "                 ms 0       10",
        "",
        "█ running   ░ ready, waiting for its turn   ~ ended, children closing   blank: not alive",
        "parked on: j join / children, t timer (sleep); · still parked",
        "",
        "task       steps  run ms  longest  ready ms  max ready  parks  outcome",
        "#1 main        2   2.000    2.000         0          0  j:1    returned",
        "#2 worker      2   2.000    1.000     2.000      1.000  t:1    returned",
        "",
        "loop, whole trace: 2 turns, 3.000 ms in turns, 5.000 ms waiting in libuv (waits: timer 1)",
        "",
      ].join("\n"),
    );
  });

  it("skips malformed lines and unknown events with a count, and draws a cut-off trace to its last line", () => {
    const trace = [
      "0.000\tspawn\t#1\tmain\t",
      "garbage",
      "0.500\tteleport\t#1\tmain\tsomewhere",
      "1.000\trun\t#1\tmain\t",
      "2.000\tspawn\t#2\tchild\tby #1 main",
      "3.000\tpark\t#1\tmain\tsocket readable 127.0.0.1:5",
      "4.000\trun\t#2\tchild\t",
      "5.000\tpark\t#2\tchild\tthread: fib() from fib.ts",
      "6.000\tturn\t-\t-\t0 ready",
      "6.5", // the writer was killed mid-line
    ].join("\n");
    const model = buildModel(trace);
    expect(model.malformedLines).toBe(2);
    expect(Object.fromEntries(model.unknownEvents)).toEqual({ teleport: 1 });
    expect(model.end).toBe(6);
    const child = task(model, "child");
    expect(child.spans.at(-1)).toMatchObject({ state: "parked", kind: "thread", to: 6, cutOff: true });
    expect(summarize(child, makeView(model, {})).outcome).toBe("alive at end");
    const text = renderText(model, makeView(model, {}), 6);
    expect(text).toContain("skipped 2 malformed lines; skipped unknown events: 1× \"teleport\"");
    expect(text).toContain(`${"#1 main".padEnd(20)}░██s··\n`);
    expect(text).toContain(`${"#2 child".padEnd(20)}  ░░█T\n`);
  });

  it("shows only the window and the tasks asked for", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "trace-view-")), "trace.tsv");
    const trace = await traceOf(countdownCountup);
    const read = (p: string): string => (p === path ? trace : "");
    const model = buildModel(trace);
    const { text } = viewTrace([path, "--tasks", "count", "--width", "40", "--from", String(model.start), "--to", String((model.start + model.end) / 2)], read);
    const timeline = timelineRows(text);
    expect(timeline.map((l) => l.slice(0, 20).trim())).toEqual(["#2 countdown", "#3 countup"]);
    for (const line of timeline) expect([...line]).toHaveLength(20 + 40);
    expect(text).not.toMatch(/^#1 main/m); // nor in the summary
  });
});

describe("trace-view: the HTML page", () => {
  it("has one row per task, hover titles, and fetches nothing", async () => {
    const trace = await traceOf(() => queueExample({ unitMs: 1, write: () => {} }));
    const { html } = viewTrace(["queue.tsv", "--html", "out.html"], () => trace);
    const page = html?.page ?? "";
    expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page.match(/<g class="task"/g)).toHaveLength(6);
    expect(page).toContain("<title>#2 C1: parked");
    expect(page).toContain("woken by");
    expect(page).not.toMatch(/https?:|<script|<link|src=|@import/);
    expect(renderHtml(buildModel(""), makeView(buildModel(""), {}), "empty")).toContain("0 tasks");
  });
});
