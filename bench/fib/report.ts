/**
 * The printed results: one markdown table per scenario, a "what this shows" line under each
 * stating what was measured (computed from the numbers, never a fixed sentence), and notes on
 * anything that went wrong (a server that had to be killed, wrong answers, errors).
 */
import type { FibTiming, MachineState } from "./measure.js";
import type { ManyResult } from "./scenario-many.js";
import type { LatencyResult, PhaseResult } from "./scenario-latency.js";
import type { ThroughputResult } from "./scenario-throughput.js";
import type { StopResult, Version } from "./servers.js";
import { median } from "../common/percentile.js";

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const isNum = (x: number): boolean => Number.isFinite(x);
export const count = (n: number): string => (isNum(n) ? Math.round(n).toLocaleString("en-US") : "–");
/** Whole numbers as they are, others to three significant digits; no exponent; "–" for NaN. */
export function num(x: number): string {
  if (!isNum(x)) return "–";
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  return Number.isInteger(x) ? String(x) : x.toPrecision(3);
}
const mib = (kb: number): string => (isNum(kb) ? (kb / 1024).toFixed(0) : "–");
const ratio = (x: number): string => (isNum(x) ? `${x.toFixed(2)}×` : "–");
const load = (m: MachineState): string => m.load[0].toFixed(2);
const busy = (m: MachineState): string => (isNum(m.busyPct) ? `${m.busyPct.toFixed(0)} %` : "–");

export function fibTimingTable(timings: readonly FibTiming[]): string {
  return table(
    ["n", "fib(n) in this process, median of 3 (ms)"],
    timings.map((t) => [String(t.n), num(t.ms)]),
  );
}

/** Problems to print under a table: errors, servers that needed SIGKILL, wrong answers. */
export class Notes {
  private readonly lines: string[] = [];

  add(line: string): void {
    this.lines.push(line);
  }

  stop(label: string, stop: StopResult | null): void {
    if (stop === null) return;
    if (stop.how === "SIGKILL") this.add(`${label}: did not exit within 5 s of SIGTERM; killed with SIGKILL (${(stop.ms / 1000).toFixed(1)} s).`);
    if (stop.how === "already gone") this.add(`${label}: the server had already exited when we stopped it.`);
    if (stop.leftovers > 0) this.add(`${label}: ${stop.leftovers} child process(es) outlived the server by 2 s; killed by pid.`);
    const stderr = stop.stderr.trim();
    if (stderr !== "") this.add(`${label}: the server wrote to stderr: ${JSON.stringify(stderr.slice(0, 300))}${stderr.length > 300 ? " …" : ""}`);
  }

  render(): string {
    return this.lines.length === 0 ? "" : "\n" + this.lines.map((l) => `- ${l}`).join("\n");
  }
}

// ---- (1) many clients ----

function perConnectionKb(r: ManyResult): number {
  return r.atHeld === null || r.held === 0 ? NaN : (r.atHeld.rssKb - r.empty.rssKb) / r.held;
}

export function manyTable(results: readonly ManyResult[], notes: Notes): string {
  const rows = results.map((r) => {
    notes.stop(r.version, r.stop);
    if (r.error !== undefined) notes.add(`${r.version}: ${r.error}`);
    if (r.wrongAnswers > 0) notes.add(`${r.version}: ${r.wrongAnswers} wrong answer(s) to n=10.`);
    const there = r.atHeld;
    return [
      r.version,
      count(r.held),
      `${mib(r.empty.rssKb)} → ${there === null ? "–" : mib(there.rssKb)}`,
      num(perConnectionKb(r)),
      there === null ? "–" : `${r.empty.main?.threads ?? "–"} → ${there.main?.threads ?? "–"}`,
      there === null ? "–" : String(there.all.length),
      num(r.probeMs),
      r.stoppedBecause,
      `${count(r.openAtStop)} / ${r.atStop.main?.threads ?? "–"} / ${mib(r.atStop.rssKb)}`,
      r.seconds.toFixed(1),
      load(r.before),
      busy(r.before),
    ];
  });
  return table(
    [
      "version",
      "connections held",
      "RSS MiB: 0 clients → held",
      "KiB per connection",
      "threads (server process): 0 → held",
      "processes",
      "probe answered in (ms)",
      "stopped because",
      "at stop: open / threads / RSS MiB",
      "time s",
      "load 1m before",
      "CPU busy before",
    ],
    rows,
  );
}

export function manyShows(results: readonly ManyResult[]): string {
  const parts = results
    .filter((r) => r.error === undefined)
    .map((r) => {
      const there = r.atHeld;
      const threads = there === null || r.held === 0 ? NaN : ((there.main?.threads ?? NaN) - (r.empty.main?.threads ?? NaN)) / r.held;
      const cost = r.held === 0 ? "" : ` at ${num(perConnectionKb(r))} KiB and ${num(threads)} server threads per connection`;
      return `${r.version} held ${count(r.held)}${cost} (stopped: ${r.stoppedBecause})`;
    });
  const v1 = results.find((r) => r.version === "v1");
  const v3 = results.find((r) => r.version === "v3");
  let compare = "";
  if (v1 !== undefined && v3 !== undefined && isNum(perConnectionKb(v1)) && isNum(perConnectionKb(v3)) && perConnectionKb(v3) > 0) {
    compare = ` A v1 connection cost ${num(perConnectionKb(v1) / perConnectionKb(v3))}× the memory of a v3 one.`;
  }
  return `**What this shows:** ${parts.join("; ")}.${compare}`;
}

// ---- (2) responsiveness ----

export function latencyTable(results: readonly LatencyResult[], largeN: number, notes: Notes): string {
  const rows: string[][] = [];
  for (const r of results) {
    notes.stop(r.version, r.stop);
    if (r.error !== undefined) notes.add(`${r.version}: ${r.error}`);
    if (r.phases.length > 0 && !r.settled) notes.add(`${r.version}: the server was still busy ${num(r.settleMs / 1000)} s after the first answers; measured anyway.`);
    for (const p of r.phases) {
      if (p.wrong > 0) notes.add(`${r.version} ${p.phase}: ${p.wrong} wrong answer(s).`);
      if (p.benchCpuPct > 90) notes.add(`${r.version} ${p.phase}: the clients' process used ${num(p.benchCpuPct)} % of a core: there the rate of small requests (and part of their latency) is the clients' limit, not the server's.`);
      if (p.failed > 0) notes.add(`${r.version} ${p.phase}: ${p.failed} client(s) stopped on an unanswered request (${p.firstFailure ?? "?"}).`);
      rows.push([
        r.version,
        p.phase,
        count(p.small.count),
        count(p.smallPerSec),
        num(p.small.p50),
        num(p.small.p99),
        num(p.small.max),
        p.phase === "quiet" ? "–" : count(p.largeDone),
        p.phase === "quiet" ? "–" : num(p.largeMedianMs / 1000),
        num(p.serverCpuPct),
        num(p.benchCpuPct),
        `${num(r.warmupMs / 1000)} + ${num(r.settleMs / 1000)}`,
        load(r.before),
        busy(r.before),
      ]);
    }
    if (r.phases.length === 0) rows.push([r.version, "failed", "–", "–", "–", "–", "–", "–", "–", "–", "–", `${num(r.warmupMs / 1000)} + ${num(r.settleMs / 1000)}`, load(r.before), busy(r.before)]);
  }
  return table(
    [
      "version",
      "phase",
      "small done",
      "small req/s",
      "small p50 ms",
      "small p99 ms",
      "small max ms",
      `large (n=${largeN}) done`,
      "large median s",
      "server CPU %",
      "clients' CPU %",
      "warm-up s: first answers + idle",
      "load 1m before",
      "CPU busy before",
    ],
    rows,
  );
}

export function latencyShows(results: readonly LatencyResult[], largeClients: number, largeN: number): string {
  const of = (r: LatencyResult, phase: PhaseResult["phase"]): PhaseResult | undefined => r.phases.find((p) => p.phase === phase);
  const loaded = results
    .map((r) => ({ r, p: of(r, "loaded") }))
    .filter((x): x is { r: LatencyResult; p: PhaseResult } => x.p !== undefined)
    .map(({ r, p }) => `${r.version} ${num(p.small.p99)} ms (max ${num(p.small.max)})`);
  const quiet = results
    .map((r) => ({ r, p: of(r, "quiet") }))
    .filter((x): x is { r: LatencyResult; p: PhaseResult } => x.p !== undefined)
    .map(({ r, p }) => `${r.version} ${num(p.small.p99)} ms`);
  return (
    `**What this shows:** with ${largeClients} clients asking fib(${largeN}), the p99 latency of n=10 requests was ${loaded.join(", ")}` +
    (quiet.length > 0 ? `; without them (quiet) ${quiet.join(", ")}.` : ".")
  );
}

// ---- (3) throughput ----

/** Every repetition of one version on 1 core and on 2 cores (one is empty without taskset). */
export interface ThroughputRuns {
  version: Version;
  one: ThroughputResult[];
  two: ThroughputResult[];
}

const measured = (r: ThroughputResult): boolean => r.error === undefined;
const ok = (runs: readonly ThroughputResult[]): ThroughputResult[] => runs.filter(measured);
const medianOf = (runs: readonly ThroughputResult[], pick: (r: ThroughputResult) => number): number => median(ok(runs).map(pick));
function rangeOf(values: readonly number[], show: (x: number) => string): string {
  if (values.length === 0) return "–";
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? show(low) : `${show(low)} – ${show(high)}`;
}

/** Server CPU time per answered request, ms: did a request cost more CPU, or did the server get less? */
const cpuMsPerRequest = (r: ThroughputResult): number => (r.answered === 0 ? NaN : (10 * r.serverCpuPct) / r.reqPerSec);

/** What the server started for the load: extra threads of its process, or (v2) worker processes. */
function workers(runs: readonly ThroughputResult[]): string {
  const r = ok(runs)[0];
  if (r === undefined) return "–";
  const processes = r.maxProcesses - 1;
  return r.version === "v2" ? `${processes} process${processes === 1 ? "" : "es"}` : `+${r.maxThreads - r.idleThreads} threads`;
}

function rateCell(runs: readonly ThroughputResult[]): string {
  if (runs.length === 0) return "skipped";
  const rates = ok(runs).map((r) => r.reqPerSec);
  return rates.length <= 1 ? num(rates[0] ?? NaN) : `${num(median(rates))} (${rangeOf(rates, num)})`;
}

export function throughputTable(all: readonly ThroughputRuns[], notes: Notes): string {
  const rows = all.map(({ version, one, two }) => {
    for (const r of [...one, ...two]) {
      const label = `${version} on ${r.cores} core(s)`;
      notes.stop(label, r.stop);
      if (r.error !== undefined) notes.add(`${label}: ${r.error}`);
      if (r.error === undefined && !r.settled) notes.add(`${label}: the server was still busy ${num(r.settleMs / 1000)} s after the first answers; measured anyway.`);
      if (r.wrong > 0) notes.add(`${label}: ${r.wrong} wrong answer(s).`);
      if (r.failed > 0) notes.add(`${label}: ${r.failed} client(s) stopped on an unanswered request (${r.firstFailure ?? "?"}).`);
    }
    const both = (f: (runs: readonly ThroughputResult[]) => string): string => `${one.length === 0 ? "–" : f(one)} / ${f(two)}`;
    const loads = (runs: readonly ThroughputResult[]): string => rangeOf(runs.map((r) => r.before.load[0]), (x) => x.toFixed(2));
    const busyMax = (runs: readonly ThroughputResult[]): string => (runs.length === 0 ? "–" : `${Math.max(...runs.map((r) => r.before.busyPct)).toFixed(0)} %`);
    const threads = (runs: readonly ThroughputResult[]): string => {
      const r = ok(runs)[0];
      return r === undefined ? "–" : `${r.idleThreads} → ${Math.max(...ok(runs).map((x) => x.maxThreads))}`;
    };
    return [
      version,
      both(workers),
      rateCell(one),
      rateCell(two),
      one.length > 0 ? ratio(medianOf(two, (r) => r.reqPerSec) / medianOf(one, (r) => r.reqPerSec)) : "–",
      both((runs) => num(medianOf(runs, (r) => r.serverCpuPct))),
      both((runs) => num(medianOf(runs, cpuMsPerRequest))),
      both(threads),
      both(loads),
      both(busyMax),
    ];
  });
  return table(
    [
      "version",
      "workers seen (1 core / 2 cores)",
      "1 core: req/s median (min – max)",
      "2 cores: req/s median (min – max)",
      "2-core / 1-core (medians)",
      "server CPU % (1 / 2)",
      "server CPU ms per request (1 / 2)",
      "server threads idle → max (1 / 2)",
      "load 1m before (1 / 2)",
      "CPU busy before, max (1 / 2)",
    ],
    rows,
  );
}

export function throughputShows(all: readonly ThroughputRuns[], n: number, clients: number): string {
  const parts = all
    .filter((x) => ok(x.one).length > 0 && ok(x.two).length > 0)
    .map(({ version, one, two }) => `${version} ${ratio(medianOf(two, (r) => r.reqPerSec) / medianOf(one, (r) => r.reqPerSec))}`);
  const cpu = all
    .filter((x) => ok(x.two).length > 0)
    .map(({ version, two }) => `${version} ${num(medianOf(two, (r) => r.serverCpuPct))} %`);
  const shows =
    (parts.length === 0 ? "no 1-core/2-core pair was measured." : `requests/s for fib(${n}) on 2 cores ÷ on 1 core: ${parts.join(", ")}.`) +
    (cpu.length === 0 ? "" : ` Server CPU on 2 cores (% of one core): ${cpu.join(", ")}.`);
  // v1 starts exactly one worker thread per client: how many threads of the process that makes.
  const v1 = all.find((x) => x.version === "v1");
  const v1Run = v1 === undefined ? undefined : ok([...v1.two, ...v1.one])[0];
  const perWorker = v1Run === undefined ? NaN : (v1Run.maxThreads - v1Run.idleThreads) / clients;
  const v3 = all.find((x) => x.version === "v3");
  let pool = "";
  if (v3 !== undefined) {
    const seen = [v3.one, v3.two]
      .map((runs) => ok(runs)[0])
      .filter((r): r is ThroughputResult => r !== undefined)
      .map((r) => {
        const extra = r.maxThreads - r.idleThreads;
        const workerCount = isNum(perWorker) && perWorker > 0 ? ` = ${num(extra / perWorker)} worker(s)` : "";
        return `+${extra} threads${workerCount} on ${r.cores} core(s)`;
      });
    const unit = isNum(perWorker) ? ` (v1's ${clients} clients added ${num(perWorker * clients)} threads: ${num(perWorker)} per worker thread)` : "";
    pool = ` v3's pool: ${seen.join(", ")}${unit}.`;
  }
  return `**What this shows:** ${shows}${pool}`;
}
