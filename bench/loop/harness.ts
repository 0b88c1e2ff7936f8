/**
 * What every JavaScript implementation of the loop benchmark shares: the scenario sizes, the seeded
 * sleep durations (the same list as asyncio_bench.py), and the child-process harness that runs one
 * scenario twice (cold, then warm) and prints one JSON line for the driver (run.ts).
 */
import { performance } from "node:perf_hooks";
import { choice, number, parseOptions, refuse } from "../common/options.js";
import { percentile } from "../common/percentile.js";

export const SCENARIOS = ["a", "b", "c"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** One implementation of the three scenarios; each call runs on a fresh loop/runtime. */
export interface ScenarioImpl {
  /** (a) `messages` messages in total: A sends messages/2 pings, B echoes each; returns A's sum. */
  pingPong(messages: number): Promise<number>;
  /** (b) spawns `count` tasks that yield once and return their index; joins in order; returns the sum. */
  spawnJoin(count: number): Promise<number>;
  /** (c) one task per duration sleeps that many ms; returns each task's lateness in ms. */
  sleepers(durations: readonly number[]): Promise<number[]>;
}

/** One timed iteration, as printed by every child (JS and Python alike). */
export interface IterationResult {
  wallMs: number;
  /** CPU time of the process during the iteration: cpu/wall far below 1 on a CPU-bound run means we were descheduled. */
  cpuMs: number;
  /** (a) messages/s, (b) spawn+join/s. */
  rate?: number;
  /** (c) lateness percentiles in ms; a negative minimum means a task woke before its deadline. */
  minLateMs?: number;
  p50LateMs?: number;
  p99LateMs?: number;
  maxLateMs?: number;
}

export interface ChildReport {
  impl: string;
  scenario: Scenario;
  size: number;
  /** What the run checked (a sum, or the durations' fingerprint), so that the driver can compare implementations. */
  check: string;
  runs: IterationResult[];
}

export const DEFAULT_SIZES: Record<Scenario, number> = { a: 1_000_000, b: 100_000, c: 10_000 };
export const QUICK_SIZES: Record<Scenario, number> = { a: 100_000, b: 20_000, c: 2_000 };
export const SLEEP_SEED = 20240601;
export const MAX_SLEEP_MS = 10;

/** mulberry32: a tiny seeded PRNG, easy to port bit for bit to Python. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The integer sleep durations 0..MAX_SLEEP_MS of scenario (c). */
export function sleepDurations(count: number, seed = SLEEP_SEED): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => Math.floor(random() * (MAX_SLEEP_MS + 1)));
}

/** A fingerprint of the duration list, identical in asyncio_bench.py. */
export function fingerprint(values: readonly number[]): string {
  let hash = 0;
  let sum = 0;
  for (const v of values) {
    hash = (Math.imul(hash, 31) + v) >>> 0;
    sum += v;
  }
  return `n=${values.length} sum=${sum} hash=${hash}`;
}

function childOptions(name: string): { scenario: Scenario; size: number } {
  const command = {
    name: `impl-${name}`,
    invocation: `node --import tsx bench/loop/impl-${name}.ts`,
    options: {
      scenario: choice(SCENARIOS, "the scenario to run, cold then warm (required)"),
      size: number({ min: 2, integer: true, help: "its size (the full run's size)" }),
    },
  };
  const { scenario, size } = parseOptions(command);
  if (scenario === undefined) refuse(command, "--scenario is required");
  return { scenario, size: size ?? DEFAULT_SIZES[scenario] };
}

async function iteration(impl: ScenarioImpl, scenario: Scenario, size: number): Promise<{ result: IterationResult; check: string }> {
  const durations = scenario === "c" ? sleepDurations(size) : [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let check: string;
  let lateness: number[] = [];
  if (scenario === "a") {
    const rounds = Math.floor(size / 2);
    const sum = await impl.pingPong(size);
    if (sum !== (rounds * (rounds - 1)) / 2) throw new Error(`ping-pong sum ${sum} is wrong`);
    check = `sum=${sum}`;
  } else if (scenario === "b") {
    const sum = await impl.spawnJoin(size);
    if (sum !== (size * (size - 1)) / 2) throw new Error(`spawn-join sum ${sum} is wrong`);
    check = `sum=${sum}`;
  } else {
    lateness = await impl.sleepers(durations);
    if (lateness.length !== size) throw new Error(`got ${lateness.length} sleepers back, not ${size}`);
    check = fingerprint(durations);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const result: IterationResult = { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  if (scenario === "c") {
    lateness.sort((x, y) => x - y);
    result.minLateMs = lateness[0] ?? 0;
    result.p50LateMs = percentile(lateness, 0.5);
    result.p99LateMs = percentile(lateness, 0.99);
    result.maxLateMs = lateness[lateness.length - 1] ?? 0;
  } else {
    result.rate = size / (wallMs / 1000);
  }
  return { result, check };
}

/** The body of a child process: runs the scenario named on the command line twice and prints the JSON report. */
export async function runChild(name: string, impl: ScenarioImpl): Promise<void> {
  const { scenario, size } = childOptions(name);
  const cold = await iteration(impl, scenario, size);
  const warm = await iteration(impl, scenario, size);
  const report: ChildReport = { impl: name, scenario, size, check: warm.check, runs: [cold.result, warm.result] };
  process.stdout.write(JSON.stringify(report) + "\n");
}
