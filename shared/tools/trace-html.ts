/**
 * The HTML timeline: one self-contained page (inline CSS and SVG, no script, nothing fetched).
 * Each span is a bar; hovering one shows its times and why (what it parked on, who woke it).
 * Steps are drawn at least a pixel wide, or microsecond steps would vanish.
 */
import {
  formatMs,
  formatParks,
  PARK_MEANINGS,
  parkKindsIn,
  shorten,
  summarize,
  ticks,
  type ParkKind,
  type Span,
  type TraceModel,
  type View,
} from "./trace-model.js";
import { loopLine, skippedLine } from "./trace-text.js";

const LABEL_PX = 190;
const PLOT_PX = 1000;
const ROW_PX = 20;
const AXIS_PX = 28;

const RUNNING_COLOR = "#1d4ed8";
const READY_COLOR = "#f59e0b";
const CLOSING_COLOR = "#6b7280";
const PARK_COLORS: Record<ParkKind, string> = {
  timer: "#93c5fd",
  queue: "#c4b5fd",
  join: "#86efac",
  socket: "#5eead4",
  thread: "#f9a8d4",
  sync: "#fde68a",
  host: "#fdba74",
  other: "#d1d5db",
};

/** Bars by state: a step fills the row, a park is a thin line, so steps stand out. */
const BAR: Record<Span["state"], { top: number; height: number }> = {
  running: { top: 2, height: 16 },
  ready: { top: 5, height: 10 },
  parked: { top: 7, height: 6 },
  closing: { top: 9, height: 2 },
};

export function renderHtml(model: TraceModel, view: View, title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>
  body { font: 13px system-ui, sans-serif; margin: 16px; color: #111827; }
  svg { display: block; }
  svg text { font: 11px ui-monospace, monospace; fill: #111827; }
  .legend span { display: inline-block; margin-right: 14px; }
  .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
  table { border-collapse: collapse; margin-top: 12px; }
  th, td { padding: 2px 10px; border-bottom: 1px solid #e5e7eb; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  th { text-align: left; background: #f3f4f6; }
  .note { color: #4b5563; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p class="note">${formatMs(view.from)}–${formatMs(view.to)} ms, ${view.tasks.length} tasks. Hover a bar for what it was doing and why.</p>
${legend(view)}
${timeline(view)}
${summaryTable(view)}
<p class="note">${escape(loopLine(model))}</p>
${skippedLine(model) === "" ? "" : `<p class="note">${escape(skippedLine(model))}</p>`}
</body>
</html>
`;
}

function timeline(view: View): string {
  const height = view.tasks.length * ROW_PX + AXIS_PX;
  const x = (ms: number): number => LABEL_PX + ((ms - view.from) / Math.max(view.to - view.from, 1e-3)) * PLOT_PX;
  const axisY = view.tasks.length * ROW_PX;
  const parts: string[] = [];
  view.tasks.forEach((_, i) => {
    if (i % 2 === 0) parts.push(`<rect x="0" y="${i * ROW_PX}" width="${LABEL_PX + PLOT_PX}" height="${ROW_PX}" fill="#f3f4f6"/>`);
  });
  // Grid lines first, so the bars are drawn over them.
  for (const t of ticks(view.from, view.to, 10)) {
    parts.push(`<line x1="${px(x(t))}" y1="0" x2="${px(x(t))}" y2="${axisY + 4}" stroke="#d1d5db"/>`);
    parts.push(`<text x="${px(x(t))}" y="${axisY + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="4" y="${axisY + 16}">ms</text>`);
  view.tasks.forEach((track, i) => {
    const y = i * ROW_PX;
    const name = shorten(track.label, 26);
    parts.push(`<g class="task" data-task="${track.id}">`, `<text x="4" y="${y + 14}"><title>${escape(track.label)}</title>${escape(name)}</text>`);
    // Steps last, so they are drawn over the parks and waits around them.
    const spans = track.spans.filter((s) => s.to >= view.from && s.from <= view.to);
    for (const span of [...spans.filter((s) => s.state !== "running"), ...spans.filter((s) => s.state === "running")]) {
      const left = Math.max(x(span.from), LABEL_PX);
      const width = Math.min(x(span.to), LABEL_PX + PLOT_PX) - left;
      if (span.state !== "running" && width <= 0) continue;
      const bar = BAR[span.state];
      parts.push(
        `<rect class="${span.state}" x="${px(left)}" y="${y + bar.top}" width="${px(Math.max(width, span.state === "running" ? 1 : 0))}" height="${bar.height}" fill="${colorOf(span)}"><title>${escape(`${track.label}: ${describe(span)}`)}</title></rect>`,
      );
    }
    parts.push("</g>");
  });
  return `<svg width="${LABEL_PX + PLOT_PX + 20}" height="${height}" role="img" aria-label="timeline">\n${parts.join("\n")}\n</svg>`;
}

function colorOf(span: Span): string {
  if (span.state === "running") return RUNNING_COLOR;
  if (span.state === "ready") return READY_COLOR;
  if (span.state === "closing") return CLOSING_COLOR;
  return PARK_COLORS[span.kind ?? "other"];
}

/** The hover text: "parked 35.471–56.805 ms (21.33 ms) on sleep 20 ms; woken by timer". */
function describe(span: Span): string {
  const times = `${formatMs(span.from)}–${formatMs(span.to)} ms (${formatMs(span.to - span.from)} ms)`;
  const end = span.cutOff ? "; the trace ends here" : "";
  switch (span.state) {
    case "running":
      return `step ${times}${end}`;
    case "ready":
      return `ready ${times}, ${span.why}${end}`;
    case "parked":
      return `parked ${times} on ${span.why}${span.endedBy === "" ? "" : `; ${span.endedBy}`}${end}`;
    case "closing":
      return `closing ${times}: ${span.why}${end}`;
  }
}

function legend(view: View): string {
  const kinds = parkKindsIn(view);
  const entries: [string, string][] = [
    [RUNNING_COLOR, "running"],
    [READY_COLOR, "ready, waiting for its turn"],
    ...[...kinds].map((kind): [string, string] => [PARK_COLORS[kind], `parked: ${PARK_MEANINGS[kind]}`]),
    [CLOSING_COLOR, "ended, children closing"],
  ];
  return `<p class="legend">${entries.map(([color, text]) => `<span><i style="background:${color}"></i>${escape(text)}</span>`).join("")}</p>`;
}

function summaryTable(view: View): string {
  const rows = view.tasks.map((track) => {
    const s = summarize(track, view);
    const numbers = [String(s.steps), formatMs(s.runMs), formatMs(s.longestStepMs), formatMs(s.readyMs), formatMs(s.longestReadyMs)];
    return `<tr><td>${escape(track.label)}</td>${numbers.map((n) => `<td class="n">${n}</td>`).join("")}<td>${formatParks(s.parks)}</td><td>${escape(s.outcome)}</td></tr>`;
  });
  const header = ["task", "steps", "run ms", "longest step", "ready ms", "max ready", "parks", "outcome"].map((h) => `<th>${h}</th>`).join("");
  return `<table>\n<tr>${header}</tr>\n${rows.join("\n")}\n</table>`;
}

function px(value: number): string {
  return value.toFixed(2);
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
