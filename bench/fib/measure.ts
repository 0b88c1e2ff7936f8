/**
 * What the scenarios measure besides the servers: the machine they share with other work (load
 * average, other processes' CPU just before a measurement), the cost of fib(n) here, latency
 * percentiles, and the server's whole process tree (Version #2's worker processes too) read from
 * /proc the same way for all three versions, once or sampled while it is under load.
 */
import { median, percentile } from "../common/percentile.js";
import { clockTicksPerSecond, loadAverages, processInfo, processTree, sampleBusy, type ProcessInfo } from "../common/proc.js";
import { sleep } from "../common/sleep.js";
import { fib } from "../../shared/examples/fib.js";

export interface MachineState {
  /** Load averages over 1, 5 and 15 minutes. */
  load: [number, number, number];
  /** Percent of all cores' time busy during a 250 ms sample (nothing of ours running). */
  busyPct: number;
}

/** The machine just before a measurement; call it while no server of ours runs. */
export async function machineState(): Promise<MachineState> {
  const busy = await sampleBusy(250);
  return { load: loadAverages(), busyPct: busy.allPct };
}

let warmed = false;

/** Median wall time of fib(n) over `reps` calls in this process (the first call warms fib up with fib(30) × 5). */
export function timeFib(n: number, reps: number): number {
  if (!warmed) for (let i = 0; i < 5; i++) fib(30);
  warmed = true;
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    fib(n);
    times.push(performance.now() - start);
  }
  return median(times);
}

export interface FibTiming {
  n: number;
  ms: number;
}

/**
 * Times fib(n) for n = from, from+1, ... and returns the timings up to the first n that takes at
 * least `atLeastMs` (each n is ~1.6× the previous, so the search is short). Bounded by MAX_N = 42.
 */
export function timeUntil(from: number, atLeastMs: number, reps: number): FibTiming[] {
  const timings: FibTiming[] = [];
  for (let n = from; n <= 42; n++) {
    const ms = timeFib(n, reps);
    timings.push({ n, ms });
    if (ms >= atLeastMs) break;
  }
  return timings;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN };
}

/** A server's whole process tree at one moment. */
export interface TreeSnapshot {
  /** The server's own process (null once it has gone). */
  main: ProcessInfo | null;
  /** The main process and all its descendants. */
  all: ProcessInfo[];
  /** Sum of VmRSS over the tree, KiB. */
  rssKb: number;
  /** Sum of threads over the tree. */
  threads: number;
  /** Sum of CPU time over the tree, clock ticks (a child that exited takes its time with it). */
  cpuTicks: number;
}

export function snapshot(pid: number): TreeSnapshot {
  const all = processTree(pid)
    .map(processInfo)
    .filter((p): p is ProcessInfo => p !== null);
  const main = all.find((p) => p.pid === pid) ?? null;
  const sum = (pick: (p: ProcessInfo) => number): number => all.reduce((total, p) => total + pick(p), 0);
  return { main, all, rssKb: sum((p) => p.rssKb), threads: sum((p) => p.threads), cpuTicks: sum((p) => p.cpuTicks) };
}

/** Snapshots of a server's tree every `everyMs` while it is under load; keeps the highest values. */
export class TreeSampler {
  private timer: NodeJS.Timeout | null = null;
  maxThreads = 0;
  maxProcesses = 0;
  maxRssKb = 0;
  last: TreeSnapshot | null = null;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 250,
  ) {}

  sample(): TreeSnapshot {
    const now = snapshot(this.pid);
    this.last = now;
    this.maxThreads = Math.max(this.maxThreads, now.main?.threads ?? 0);
    this.maxProcesses = Math.max(this.maxProcesses, now.all.length);
    this.maxRssKb = Math.max(this.maxRssKb, now.rssKb);
    return now;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  stop(): TreeSnapshot {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return this.sample();
  }
}

/**
 * Waits until the server is idle: its process tree used less than `belowPct` % of one core over
 * a 500 ms sample (from source, v1's fresh threads keep both cores busy for seconds after they
 * first answer). Gives up after `maxMs`. Returns the time waited, ms, and whether it got idle.
 */
export async function settle(pid: number, maxMs: number, belowPct = 20): Promise<{ ms: number; idle: boolean }> {
  const start = performance.now();
  const ticksPerSecond = clockTicksPerSecond();
  while (performance.now() - start < maxMs) {
    const before = snapshot(pid).cpuTicks;
    const t0 = performance.now();
    await sleep(500);
    const pct = (100 * (snapshot(pid).cpuTicks - before)) / ticksPerSecond / ((performance.now() - t0) / 1000);
    if (pct < belowPct) return { ms: performance.now() - start, idle: true };
  }
  return { ms: performance.now() - start, idle: false };
}

/** CPU time this benchmark process used between two `process.cpuUsage()` readings, as % of one core over `wallMs`. */
export function ownCpuPct(since: NodeJS.CpuUsage, wallMs: number): number {
  const used = process.cpuUsage(since);
  return (100 * (used.user + used.system)) / 1000 / wallMs;
}
