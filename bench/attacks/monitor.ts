/**
 * Watching the server from outside: its peak memory reset through /proc, its counters from
 * GET /metrics, the kernel's TCP counters, and a sampler that keeps the highest values seen
 * during an attack.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { nearestRank } from "../common/percentile.js";
import { processMemoryKb } from "../common/proc.js";
import { HOST } from "./wire.js";

/** Resets VmHWM to the current RSS (Linux: "5" to /proc/PID/clear_refs); false if not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

export interface Metrics {
  /** Sample values by series, written as in the exposition: `name` or `name{label="value"}`. */
  values: Map<string, number>;
  /** How long the server took to answer, ms. */
  ms: number;
}

/** Parses the Prometheus text format (comments skipped; one sample per line). */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (!Number.isNaN(value)) values.set(line.slice(0, space), value);
  }
  return values;
}

/** GET /metrics on the server's HTTP port; rejects on error, a status other than 200, or after `ms`. */
export function fetchMetrics(port: number, ms = 5_000): Promise<Metrics> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path: "/metrics", method: "GET", agent: false, timeout: ms }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`GET /metrics: ${res.statusCode}`));
        else resolve({ values: parseMetrics(body), ms: performance.now() - start });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET /metrics: no answer in ${ms} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** What must come back to its level once the attackers are gone. */
export interface Footprint {
  tasks: number;
  members: number;
  tcp: number;
  ws: number;
  /** `nodejs_heap_used_bytes`, when the server exports it. */
  heapUsed: number | null;
}

export function footprintOf(values: Map<string, number>): Footprint {
  return {
    tasks: values.get("loopchat_loop_tasks") ?? NaN,
    members: values.get("loopchat_members") ?? NaN,
    tcp: values.get('loopchat_connections{transport="tcp"}') ?? NaN,
    ws: values.get('loopchat_connections{transport="ws"}') ?? NaN,
    heapUsed: values.get("nodejs_heap_used_bytes") ?? null,
  };
}

/** Kernel memory held by all TCP sockets on the machine (/proc/net/sockstat "TCP: … mem", pages), KiB; NaN if unreadable. */
export function tcpKernelKb(): number {
  try {
    const pages = /^TCP:.*\bmem (\d+)/m.exec(readFileSync("/proc/net/sockstat", "utf8"))?.[1];
    return pages === undefined ? NaN : Number(pages) * 4;
  } catch {
    return NaN;
  }
}

/** Highest values seen by a Sampler. */
export interface Highs {
  rssKb: number;
  /** `tcpKernelKb()`: socket buffers live in the kernel, not in the server's RSS (system-wide). */
  tcpKernelKb: number;
  tasks: number;
  members: number;
  connections: number;
  heapUsed: number | null;
  /** Slowest /metrics answer, ms. */
  metricsMs: number;
  metricsFailures: number;
  samples: number;
}

/**
 * Samples RSS every 100 ms and /metrics every 250 ms (one request at a time) until stopped, or for
 * at most `maxMs`. Keeps only the highest values.
 */
export class Sampler {
  private readonly highs: Highs = { rssKb: 0, tcpKernelKb: 0, tasks: 0, members: 0, connections: 0, heapUsed: null, metricsMs: 0, metricsFailures: 0, samples: 0 };
  private readonly timers: NodeJS.Timeout[] = [];
  private inFlight = false;
  private readonly stopAt: number;

  constructor(
    private readonly pid: number,
    private readonly httpPort: number,
    maxMs = 300_000,
  ) {
    this.stopAt = Date.now() + maxMs;
    this.timers.push(setInterval(() => this.memory(), 100));
    this.timers.push(setInterval(() => this.metrics(), 250));
    this.memory();
  }

  stop(): Highs {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    this.memory();
    return { ...this.highs };
  }

  private memory(): void {
    if (Date.now() > this.stopAt) {
      this.stop();
      return;
    }
    const m = processMemoryKb(this.pid);
    if (m !== null && m.rssKb > this.highs.rssKb) this.highs.rssKb = m.rssKb;
    const kernel = tcpKernelKb();
    if (kernel > this.highs.tcpKernelKb) this.highs.tcpKernelKb = kernel;
  }

  private metrics(): void {
    if (this.inFlight) return;
    this.inFlight = true;
    fetchMetrics(this.httpPort).then(
      ({ values, ms }) => {
        this.inFlight = false;
        const f = footprintOf(values);
        const h = this.highs;
        h.samples++;
        h.metricsMs = Math.max(h.metricsMs, ms);
        h.tasks = Math.max(h.tasks, f.tasks);
        h.members = Math.max(h.members, f.members);
        h.connections = Math.max(h.connections, f.tcp + f.ws);
        if (f.heapUsed !== null) h.heapUsed = Math.max(h.heapUsed ?? 0, f.heapUsed);
      },
      () => {
        this.inFlight = false;
        this.highs.metricsFailures++;
      },
    );
  }
}

/** A histogram's cumulative buckets (`name_bucket{le="…"}`), as [upper bound in seconds, count], in order. */
function buckets(values: Map<string, number>, name: string): [number, number][] {
  const out: [number, number][] = [];
  const prefix = `${name}_bucket{le="`;
  for (const [key, n] of values) {
    if (!key.startsWith(prefix)) continue;
    const le = key.slice(prefix.length, -2);
    out.push([le === "+Inf" ? Infinity : Number(le), n]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

export interface HistogramDelta {
  count: number;
  /** Upper bound (ms) of the bucket holding the 99th percentile of what was added between the two samples. */
  p99Ms: number;
  /** Upper bound (ms) of the highest bucket that gained anything. */
  maxMs: number;
}

/** What a histogram gained between two /metrics samples; null if the server does not export it. */
export function histogramDelta(before: Map<string, number>, after: Map<string, number>, name: string): HistogramDelta | null {
  const a = buckets(before, name);
  const b = buckets(after, name);
  if (b.length === 0 || a.length !== b.length) return null;
  const delta = b.map(([le, n], i) => [le, n - (a[i] as [number, number])[1]] as [number, number]);
  const count = (delta[delta.length - 1] as [number, number])[1];
  const bound = (target: number): number => (delta.find(([, n]) => n >= target)?.[0] ?? Infinity) * 1000;
  return { count, p99Ms: count === 0 ? 0 : bound(nearestRank(0.99, count)), maxMs: count === 0 ? 0 : bound(count) };
}

/** A TcpExt counter from /proc/net/netstat (system-wide, e.g. "ListenOverflows"); NaN if unreadable. */
export function tcpExtCounter(name: string): number {
  try {
    const lines = readFileSync("/proc/net/netstat", "utf8").split("\n").filter((l) => l.startsWith("TcpExt:"));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const i = names.indexOf(name);
    return i < 0 ? NaN : Number(values[i]);
  } catch {
    return NaN;
  }
}
