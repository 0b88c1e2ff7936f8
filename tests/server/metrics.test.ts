import { describe, expect, it } from "vitest";
import { renderMetrics } from "../../server/src/metrics.js";

const sample = {
  members: 3,
  connections: { tcp: 2, ws: 1 },
  messagesIn: 10,
  deliveries: 30,
  drops: new Map([
    ["too slow", 1],
    ['odd "reason" \\ with\nnewline', 2],
  ]),
  outboxHighWater: 7,
  loop: { steps: 100, turns: 9, spawned: 12, liveTasks: 8, readyHighWater: 4, slowSteps: 0 },
};

describe("GET /metrics rendering (Prometheus text format 0.0.4)", () => {
  it("gives every metric a HELP and a TYPE line, then its samples", () => {
    const text = renderMetrics(sample);
    expect(text.endsWith("\n")).toBe(true);
    expect(text).toContain("# TYPE loopchat_members gauge\nloopchat_members 3\n");
    expect(text).toContain('loopchat_connections{transport="tcp"} 2\nloopchat_connections{transport="ws"} 1\n');
    expect(text).toContain("# TYPE loopchat_deliveries_total counter\nloopchat_deliveries_total 30\n");
    expect(text).toContain("loopchat_outbox_high_water_lines 7\n");
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    for (const name of names) expect(text).toMatch(new RegExp(`^# HELP ${name} `, "m"));
  });

  it("escapes label values, so a strange drop reason cannot break the format", () => {
    const text = renderMetrics(sample);
    expect(text).toContain('loopchat_drops_total{reason="too slow"} 1\n');
    expect(text).toContain('loopchat_drops_total{reason="odd \\"reason\\" \\\\ with\\nnewline"} 2\n');
  });
});
