/**
 * The text timeline: one row per task, one column per slice of time, one character saying what
 * the task mostly did in that slice. A slice with any step in it shows the step, however short:
 * the loop's steps are often microseconds, and they are what a reader looks for.
 */
import {
  formatMs,
  formatParks,
  PARK_LETTERS,
  PARK_MEANINGS,
  parkKindsIn,
  shorten,
  summarize,
  ticks,
  type ParkKind,
  type Span,
  type TaskTrack,
  type TraceModel,
  type View,
} from "./trace-model.js";

const LABEL_WIDTH = 20;
const RUNNING = "█";
const READY = "░";
const PARKED = "·";
const CLOSING = "~";
/** Weight of a span that only touches a slice (zero length), so it still shows if nothing else does. */
const TOUCH = 1e-9;

/** The whole page: header, rows, axis, legend, summary, loop activity, and what was skipped. */
export function renderText(model: TraceModel, view: View, width: number): string {
  const msPerColumn = columnMs(view, width);
  const out = [`${formatMs(view.from)}–${formatMs(view.to)} ms, ${view.tasks.length} tasks, one column = ${formatMs(msPerColumn)} ms`, ""];
  for (const track of view.tasks) out.push(label(track.label) + row(track, view, width).join(""));
  out.push(...axis(view, width), "", ...legend(view), "", ...summaryTable(view), "", loopLine(model));
  const skipped = skippedLine(model);
  if (skipped !== "") out.push(skipped);
  return out.join("\n") + "\n";
}

/** How much time one column stands for (a window of zero length still gets columns). */
function columnMs(view: View, width: number): number {
  return Math.max(view.to - view.from, 1e-3) / width;
}

function label(text: string): string {
  return shorten(text, LABEL_WIDTH - 1).padEnd(LABEL_WIDTH);
}

/** What a span looks like when it is not a step: parked spans are grouped by kind. */
type Look = "ready" | "closing" | ParkKind;

function lookOf(span: Span): Look {
  return span.state === "parked" ? (span.kind ?? "other") : span.state === "closing" ? "closing" : "ready";
}

/** The characters of one task's row. */
export function row(track: TaskTrack, view: View, width: number): string[] {
  const msPerColumn = columnMs(view, width);
  const clamp = (c: number): number => Math.min(width - 1, Math.max(0, c));
  const column = (ms: number): number => clamp(Math.floor((ms - view.from) / msPerColumn));
  // A span ending exactly where a column begins does not reach into that column.
  const lastColumn = (span: Span): number =>
    span.to > span.from ? Math.max(column(span.from), clamp(Math.ceil((span.to - view.from) / msPerColumn) - 1)) : column(span.from);

  const ran = new Array<boolean>(width).fill(false);
  /** Per column: how long the task spent there in each look. */
  const spent = Array.from({ length: width }, () => new Map<Look, number>());
  for (const span of track.spans) {
    if (span.to < view.from || span.from > view.to) continue;
    for (let c = column(span.from); c <= lastColumn(span); c++) {
      if (span.state === "running") {
        ran[c] = true;
        continue;
      }
      const sliceFrom = view.from + c * msPerColumn;
      const overlap = Math.min(span.to, sliceFrom + msPerColumn) - Math.max(span.from, sliceFrom);
      const look = lookOf(span);
      spent[c]?.set(look, (spent[c]?.get(look) ?? 0) + Math.max(overlap, TOUCH));
    }
  }

  let previous: Look | null = null;
  return ran.map((running, c) => {
    const look = running ? null : mostOf(spent[c]);
    const mark = running ? RUNNING : look === null ? " " : markOf(look, look === previous);
    previous = look;
    return mark;
  });
}

function mostOf(spent: Map<Look, number> | undefined): Look | null {
  let best: Look | null = null;
  let bestMs = 0;
  for (const [look, ms] of spent ?? []) {
    if (ms > bestMs) [best, bestMs] = [look, ms];
  }
  return best;
}

/** A park shows its kind's letter where it begins, then dots: `t····` reads "slept a while". */
function markOf(look: Look, continues: boolean): string {
  if (look === "ready") return READY;
  if (look === "closing") return CLOSING;
  return continues ? PARKED : PARK_LETTERS[look];
}

/** Tick marks under the rows, and their times in ms under the ticks. */
function axis(view: View, width: number): string[] {
  const msPerColumn = columnMs(view, width);
  const marks = new Array<string>(width).fill("─");
  const labels = new Array<string>(width).fill(" ");
  let free = 0; // the first column a label may use without touching the one before
  for (const t of ticks(view.from, view.to, Math.max(1, Math.floor(width / 10)))) {
    const c = Math.min(width - 1, Math.round((t - view.from) / msPerColumn));
    marks[c] = "┴";
    const text = String(t);
    const at = Math.min(c, width - text.length); // the last label may lean left to fit
    if (at < free) continue;
    text.split("").forEach((ch, i) => (labels[at + i] = ch));
    free = at + text.length + 1;
  }
  return [" ".repeat(LABEL_WIDTH) + marks.join(""), "ms".padStart(LABEL_WIDTH - 1).padEnd(LABEL_WIDTH) + labels.join("").trimEnd()];
}

/** The marks used, and the park letters that appear in this view. */
function legend(view: View): string[] {
  const kinds = parkKindsIn(view);
  const parks = [...kinds].map((kind) => `${PARK_LETTERS[kind]} ${PARK_MEANINGS[kind]}`).join(", ");
  return [
    `${RUNNING} running   ${READY} ready, waiting for its turn   ${CLOSING} ended, children closing   blank: not alive`,
    `parked on: ${parks === "" ? "(nothing)" : parks}; ${PARKED} still parked`,
  ];
}

function summaryTable(view: View): string[] {
  const header = ["task", "steps", "run ms", "longest", "ready ms", "max ready", "parks", "outcome"];
  const rows = view.tasks.map((track) => {
    const s = summarize(track, view);
    return [track.label, String(s.steps), formatMs(s.runMs), formatMs(s.longestStepMs), formatMs(s.readyMs), formatMs(s.longestReadyMs), formatParks(s.parks), s.outcome];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  // Text columns (task, parks, outcome) align left, numbers right.
  const leftAligned = new Set([0, 6, 7]);
  const format = (cells: string[]): string =>
    cells
      .map((cell, i) => (leftAligned.has(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format)];
}

export function loopLine(model: TraceModel): string {
  const { turns, busyMs, idleMs, waits } = model.loop;
  const kinds = [...waits].map(([kind, n]) => `${kind} ${n}`).join(", ");
  return `loop, whole trace: ${turns} turns, ${formatMs(busyMs)} ms in turns, ${formatMs(idleMs)} ms waiting in libuv (waits: ${kinds || "none"})`;
}

/** What the viewer could not use, and what it used but did not expect; "" when all was well. */
export function skippedLine(model: TraceModel): string {
  const unknown = [...model.unknownEvents].map(([event, n]) => `${n}× "${event}"`).join(", ");
  const notes = [
    model.malformedLines > 0 ? `skipped ${model.malformedLines} malformed lines` : "",
    unknown !== "" ? `skipped unknown events: ${unknown}` : "",
    model.oddities > 0 ? `${model.oddities} lines did not fit their task's state` : "",
  ].filter((note) => note !== "");
  return notes.join("; ");
}
