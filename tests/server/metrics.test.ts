import { describe, expect, it } from "vitest";
import { renderMetrics } from "../../server/src/metrics.js";
import { DurationHistogram } from "../../shared/src/loop/index.js";

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
  address: { linesDelayed: 11, tracked: 6 },
  refused: new Map([["too-many-connections", 5]]),
  loop: { steps: 100, turns: 9, spawned: 12, liveTasks: 8, readyHighWater: 4, slowSteps: 0 },
  memory: { rss: 50_000_000, heapUsed: 12_000_000 },
  stepTimes: timesOf([0.003, 0.02, 0.02, 7, 2_000]),
  turnTimes: timesOf([0.5]),
};

function timesOf(ms: number[]): DurationHistogram {
  const h = new DurationHistogram();
  for (const t of ms) h.observe(t);
  return h;
}

describe("GET /metrics rendering (Prometheus text format 0.0.4)", () => {
  it("gives every metric a HELP and a TYPE line, then its samples", () => {
    const text = renderMetrics(sample);
    expect(text.endsWith("\n")).toBe(true);
    expect(text).toContain("# TYPE loopchat_members gauge\nloopchat_members 3\n");
    expect(text).toContain('loopchat_connections{transport="tcp"} 2\nloopchat_connections{transport="ws"} 1\n');
    expect(text).toContain("# TYPE loopchat_deliveries_total counter\nloopchat_deliveries_total 30\n");
    expect(text).toContain("loopchat_outbox_high_water_lines 7\n");
    expect(text).toContain("# TYPE loopchat_address_lines_delayed_total counter\nloopchat_address_lines_delayed_total 11\n");
    expect(text).toContain("# TYPE loopchat_addresses_tracked gauge\nloopchat_addresses_tracked 6\n");
    expect(text).toContain('loopchat_refused_connections_total{reason="too-many-connections"} 5\n');
    expect(text).toContain("process_resident_memory_bytes 50000000\n");
    expect(text).toContain("nodejs_heap_used_bytes 12000000\n");
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    for (const name of names) expect(text).toMatch(new RegExp(`^# HELP ${name} `, "m"));
  });

  it("gives the loop's step and turn times as histograms in seconds, with cumulative buckets", () => {
    const text = renderMetrics(sample);
    expect(text).toContain("# TYPE loopchat_loop_step_seconds histogram\n");
    expect(text).toContain('loopchat_loop_step_seconds_bucket{le="0.00001"} 1\n'); // 3 µs
    expect(text).toContain('loopchat_loop_step_seconds_bucket{le="0.00005"} 3\n'); // + two of 20 µs
    expect(text).toContain('loopchat_loop_step_seconds_bucket{le="0.01"} 4\n'); // + 7 ms
    expect(text).toContain('loopchat_loop_step_seconds_bucket{le="1"} 4\n');
    expect(text).toContain('loopchat_loop_step_seconds_bucket{le="+Inf"} 5\n'); // + the 2 s step
    expect(text).toContain("loopchat_loop_step_seconds_count 5\n");
    expect(text).toMatch(/loopchat_loop_step_seconds_sum 2\.00704\d*\n/);
    expect(text).toContain('loopchat_loop_lag_seconds_bucket{le="0.0005"} 1\n');
  });

  it("escapes label values, so a strange drop reason cannot break the format", () => {
    const text = renderMetrics(sample);
    expect(text).toContain('loopchat_drops_total{reason="too slow"} 1\n');
    expect(text).toContain('loopchat_drops_total{reason="odd \\"reason\\" \\\\ with\\nnewline"} 2\n');
  });
});
