/**
 * The model behind trace-view: reads a LOOP_TRACE file (format: shared/src/loop/trace.ts) and
 * turns its lines into spans per task: from when to when it was running, ready (in the ready
 * queue, waiting for its turn), parked (and on what), or closing (its body ended, its children
 * have not yet).
 *
 * The trace marks where a step begins (`run`) but not where it ends. The loop writes the task's
 * `park`, `yield` or `end` line right after the step returns, so that line ends the step.
 */

export type SpanState = "running" | "ready" | "parked" | "closing";

/** What a parked task waits on, coarsely: enough to color a bar or pick a letter. */
export type ParkKind = "timer" | "queue" | "join" | "socket" | "thread" | "sync" | "host" | "other";

export interface Span {
  state: SpanState;
  from: number;
  to: number;
  /** ready: what made it ready ("woken by timer"); parked: what it waits on ("sleep 20 ms"); else "". */
  why: string;
  /** Parked spans only. */
  kind: ParkKind | null;
  /** Parked spans: what ended the wait ("woken by #3 producer", "cancelled: halted"). */
  endedBy: string;
  /** The trace stops before this span does (a run cut off, or a task still alive). */
  cutOff: boolean;
}

export interface TaskTrack {
  id: number;
  name: string;
  /** `#id name`, the row label. */
  label: string;
  spans: Span[];
  /** From the `end` line: how the body ended (returned, failed, cancelled). */
  ended: string | null;
  /** From the `done` line: how the task ended, its children included. */
  done: string | null;
}

/** What the loop itself did between turns: busy in a turn, or waiting in libuv. */
export interface LoopActivity {
  turns: number;
  busyMs: number;
  idleMs: number;
  /** How often each kind of wait was asked for, by the first word of its detail (timer, I/O, poll). */
  waits: Map<string, number>;
}

export interface TraceModel {
  /** In order of first appearance, which is spawn order. */
  tasks: TaskTrack[];
  start: number;
  end: number;
  loop: LoopActivity;
  malformedLines: number;
  unknownEvents: Map<string, number>;
  /** Lines that did not fit the task's state (a run while parked, a step with no end line). */
  oddities: number;
}

export interface TraceLine {
  ms: number;
  event: string;
  /** null for the loop's own lines (`-`). */
  id: number | null;
  name: string;
  detail: string;
}

const TASK_EVENTS = new Set(["spawn", "run", "park", "yield", "wake", "cancel", "end", "done"]);
const LOOP_EVENTS = new Set(["turn", "wait"]);

/** One line of the trace, or null if it is not one (a line cut short, a stray message). */
export function parseLine(text: string): TraceLine | null {
  const [msText, event, idText, name, ...detail] = text.split("\t");
  if (msText === undefined || event === undefined || idText === undefined || name === undefined) return null;
  const ms = Number(msText);
  if (msText.trim() === "" || !Number.isFinite(ms) || event === "") return null;
  if (idText === "-") return { ms, event, id: null, name, detail: detail.join(" ") };
  if (!/^#\d+$/.test(idText)) return null;
  return { ms, event, id: Number(idText.slice(1)), name, detail: detail.join(" ") };
}

/** What a park detail means, from the labels the loop's operations use (sleep.ts, queue.ts, ...). */
const PARK_KINDS: [RegExp, ParkKind][] = [
  [/^sleep /, "timer"],
  [/^Queue\./, "queue"],
  [/^(join #|scope: )/, "join"],
  [/^(socket |accept |listen |connect |websocket )/, "socket"],
  [/^thread: /, "thread"],
  [/^(Event\.|Semaphore\.)|\.acquire$/, "sync"],
  [/^event "/, "host"],
];

export function parkKind(detail: string): ParkKind {
  return PARK_KINDS.find(([pattern]) => pattern.test(detail))?.[1] ?? "other";
}

export function buildModel(text: string): TraceModel {
  const builder = new ModelBuilder();
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    builder.add(raw.replace(/\r$/, ""));
  }
  return builder.finish();
}

class ModelBuilder {
  private readonly tracks = new Map<number, TaskTrack>();
  /** The span each live task is in now; its end is set when the next one begins. */
  private readonly open = new Map<TaskTrack, Span>();
  /** The task whose step is running: at most one, the loop has one thread. */
  private stepping: TaskTrack | null = null;
  private turnStartedAt: number | null = null;
  private waitStartedAt: number | null = null;
  private readonly model: TraceModel = {
    tasks: [],
    start: NaN,
    end: NaN,
    loop: { turns: 0, busyMs: 0, idleMs: 0, waits: new Map() },
    malformedLines: 0,
    unknownEvents: new Map(),
    oddities: 0,
  };

  add(raw: string): void {
    const line = parseLine(raw);
    // Time runs forward in a trace; a line going back is from something else (two traces pasted).
    if (line === null || line.ms < this.model.end) {
      this.model.malformedLines++;
      return;
    }
    const isTaskEvent = TASK_EVENTS.has(line.event);
    if (!isTaskEvent && !LOOP_EVENTS.has(line.event)) {
      this.model.unknownEvents.set(line.event, (this.model.unknownEvents.get(line.event) ?? 0) + 1);
      return;
    }
    if (isTaskEvent !== (line.id !== null)) {
      this.model.malformedLines++;
      return;
    }
    if (Number.isNaN(this.model.start)) this.model.start = line.ms;
    this.model.end = line.ms;
    if (line.id === null) this.loopLine(line);
    else this.taskLine(line, this.track(line.id, line.name));
  }

  finish(): TraceModel {
    // Whatever is still open was cut off by the end of the trace: draw it up to the last line.
    for (const span of this.open.values()) {
      span.to = this.model.end;
      span.cutOff = true;
    }
    this.open.clear();
    if (Number.isNaN(this.model.start)) this.model.start = this.model.end = 0;
    return this.model;
  }

  private loopLine(line: TraceLine): void {
    // A turn or wait never happens inside a step: a step still open here lost its end line.
    this.missedStepEnd(line.ms);
    const activity = this.model.loop;
    if (line.event === "turn") {
      activity.turns++;
      if (this.waitStartedAt !== null) activity.idleMs += line.ms - this.waitStartedAt;
      this.turnStartedAt = line.ms;
      this.waitStartedAt = null;
    } else {
      if (this.turnStartedAt !== null) activity.busyMs += line.ms - this.turnStartedAt;
      const kind = line.detail.split(/[ :]/)[0] || "?";
      activity.waits.set(kind, (activity.waits.get(kind) ?? 0) + 1);
      this.turnStartedAt = null;
      this.waitStartedAt = line.ms;
    }
  }

  private taskLine(line: TraceLine, track: TaskTrack): void {
    const at = line.ms;
    const current = this.open.get(track);
    switch (line.event) {
      case "spawn":
        this.enter(track, at, "ready", line.detail === "" ? "spawned" : `spawned ${line.detail}`);
        break;
      case "run":
        this.missedStepEnd(at);
        if (current?.state !== "ready") this.model.oddities++;
        this.enter(track, at, "running", "");
        this.stepping = track;
        break;
      case "park":
        this.endStep(track);
        this.enter(track, at, "parked", line.detail, parkKind(line.detail));
        break;
      case "yield":
        this.endStep(track);
        this.enter(track, at, "ready", "yielded");
        break;
      case "wake":
      case "cancel": {
        const why = line.event === "wake" ? `woken ${line.detail}` : `cancelled: ${line.detail}`;
        if (current?.state === "parked") current.endedBy = why;
        else this.model.oddities++;
        this.enter(track, at, "ready", why);
        break;
      }
      case "end":
        this.endStep(track);
        track.ended = line.detail;
        this.enter(track, at, "closing", `${line.detail}; its children are still closing`);
        break;
      case "done":
        if (current !== undefined) current.to = at;
        this.open.delete(track);
        track.done = line.detail;
        break;
    }
  }

  private track(id: number, name: string): TaskTrack {
    let track = this.tracks.get(id);
    if (track === undefined) {
      track = { id, name, label: `#${id} ${name}`, spans: [], ended: null, done: null };
      this.tracks.set(id, track);
      this.model.tasks.push(track);
    }
    return track;
  }

  /** Closes the task's open span at `at` and opens one in `state`. */
  private enter(track: TaskTrack, at: number, state: SpanState, why: string, kind: ParkKind | null = null): void {
    const current = this.open.get(track);
    if (current !== undefined) current.to = at;
    const span: Span = { state, from: at, to: at, why, kind, endedBy: "", cutOff: false };
    track.spans.push(span);
    this.open.set(track, span);
  }

  private endStep(track: TaskTrack): void {
    if (this.stepping === track) this.stepping = null;
    else this.model.oddities++;
  }

  /** A step is still open when another begins: its park/yield/end line is missing. Close it there. */
  private missedStepEnd(at: number): void {
    const track = this.stepping;
    if (track === null) return;
    this.model.oddities++;
    this.stepping = null;
    this.enter(track, at, "ready", "step ended without a park, yield or end line");
  }
}

/** The part of the trace to show, and which tasks. */
export interface View {
  from: number;
  to: number;
  tasks: TaskTrack[];
}

export function makeView(model: TraceModel, options: { from?: number; to?: number; tasks?: RegExp }): View {
  const from = options.from ?? model.start;
  const to = Math.max(options.to ?? model.end, from);
  const pattern = options.tasks;
  const tasks = model.tasks.filter((t) => (pattern === undefined || pattern.test(t.label)) && aliveDuring(t, from, to));
  return { from, to, tasks };
}

function aliveDuring(track: TaskTrack, from: number, to: number): boolean {
  const first = track.spans[0];
  const last = track.spans[track.spans.length - 1];
  return first !== undefined && last !== undefined && first.from <= to && last.to >= from;
}

/** The kinds of park seen in the view, for its legend. */
export function parkKindsIn(view: View): Set<ParkKind> {
  const kinds = new Set<ParkKind>();
  for (const track of view.tasks) {
    for (const span of track.spans) if (span.kind !== null && span.to >= view.from && span.from <= view.to) kinds.add(span.kind);
  }
  return kinds;
}

export interface TaskSummary {
  track: TaskTrack;
  steps: number;
  runMs: number;
  longestStepMs: number;
  /** Scheduling latency: from becoming ready (spawn, wake, yield, cancel) to running. */
  readyMs: number;
  longestReadyMs: number;
  parks: Map<ParkKind, number>;
  outcome: string;
}

/** What one task did within the view: spans that begin in it (steps, parks) or end in it (latency). */
export function summarize(track: TaskTrack, view: View): TaskSummary {
  const summary: TaskSummary = { track, steps: 0, runMs: 0, longestStepMs: 0, readyMs: 0, longestReadyMs: 0, parks: new Map(), outcome: outcome(track) };
  const inView = (ms: number): boolean => ms >= view.from && ms <= view.to;
  track.spans.forEach((span, i) => {
    const ms = span.to - span.from;
    if (span.state === "running" && inView(span.from)) {
      summary.steps++;
      summary.runMs += ms;
      summary.longestStepMs = Math.max(summary.longestStepMs, ms);
    } else if (span.state === "ready" && track.spans[i + 1]?.state === "running" && inView(span.to)) {
      summary.readyMs += ms;
      summary.longestReadyMs = Math.max(summary.longestReadyMs, ms);
    } else if (span.state === "parked" && span.kind !== null && inView(span.from)) {
      summary.parks.set(span.kind, (summary.parks.get(span.kind) ?? 0) + 1);
    }
  });
  return summary;
}

function outcome(track: TaskTrack): string {
  if (track.done !== null) return track.ended !== null && track.ended !== track.done ? `${track.done} (body ${track.ended})` : track.done;
  if (track.ended !== null) return `${track.ended}, children alive at end`;
  return "alive at end";
}

/** Round times for an axis: at most `maxTicks` of them, a 1, 2 or 5 times a power of ten apart. */
export function ticks(from: number, to: number, maxTicks: number): number[] {
  const span = to - from;
  if (!(span > 0) || maxTicks < 1) return [from];
  const rough = span / maxTicks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const result: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + step * 1e-9; t += step) result.push(roundTo(t, step));
  return result;
}

/** Drops float noise (0.30000000000000004) to the precision of the tick step. */
function roundTo(t: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number(t.toFixed(decimals));
}

/** Milliseconds with as many decimals as help at that size (the trace has microseconds). */
export function formatMs(ms: number): string {
  if (ms === 0) return "0";
  if (ms >= 1000) return ms.toFixed(0);
  if (ms >= 100) return ms.toFixed(1);
  if (ms >= 10) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** `#id name` cut in the middle to fit: both the id and the end of a name tell tasks apart. */
export function shorten(text: string, room: number): string {
  if (text.length <= room) return text;
  const head = Math.ceil((room - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (room - 1 - head))}`;
}

/** The text view's letter for each kind of park. */
export const PARK_LETTERS: Record<ParkKind, string> = {
  timer: "t",
  queue: "q",
  join: "j",
  socket: "s",
  thread: "T",
  sync: "e",
  host: "h",
  other: "o",
};

export const PARK_MEANINGS: Record<ParkKind, string> = {
  timer: "timer (sleep)",
  queue: "queue",
  join: "join / children",
  socket: "socket",
  thread: "worker thread",
  sync: "event / semaphore",
  host: "host event (signal)",
  other: "other",
};

/** Parks by kind, short: "t:3 q:1". */
export function formatParks(parks: Map<ParkKind, number>): string {
  return [...parks].map(([kind, n]) => `${PARK_LETTERS[kind]}:${n}`).join(" ");
}
