/**
 * What the benchmarks read from /proc, the same way for every process they watch (Node, Python,
 * a server's worker processes): a process's CPU time, memory, threads and wake-ups, its
 * descendants, this process's open-file limit; and the machine's CPU use by all processes and
 * its load average. Every reader
 * answers null (or NaN) instead of throwing once a process has gone.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { sleep } from "./sleep.js";

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** The fields of /proc/PID/stat after the command name, which may hold spaces and parentheses. */
function statFields(pid: number | string): string[] | null {
  const stat = read(`/proc/${pid}/stat`);
  return stat === null ? null : stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** /proc/PID/status of a process that is still running (not gone, not a zombie), or null. */
function liveStatus(pid: number): string | null {
  const status = read(`/proc/${pid}/status`);
  const state = status === null ? undefined : /^State:\s+(\S)/m.exec(status)?.[1];
  return state === "Z" || state === "X" ? null : status;
}

/** A number of /proc/PID/status ("VmRSS", "Threads", ...); NaN when it is not there. */
function statusField(status: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  return liveStatus(pid) !== null;
}

/** utime + stime of a process, in clock ticks (fields 14 and 15 of proc(5)); null once it has gone. */
export function processCpuTicks(pid: number): number | null {
  const fields = statFields(pid);
  return fields === null ? null : Number(fields[11]) + Number(fields[12]);
}

export interface ProcessMemory {
  /** Resident memory now (VmRSS), KiB. */
  rssKb: number;
  /** Resident memory at its peak (VmHWM), since start or since the peak was last reset, KiB. */
  peakKb: number;
}

/** Resident memory of `pid` now and at its peak; null once it has gone (or is a zombie). */
export function processMemoryKb(pid: number): ProcessMemory | null {
  const status = liveStatus(pid);
  return status === null ? null : { rssKb: statusField(status, "VmRSS"), peakKb: statusField(status, "VmHWM") };
}

/** One process of a tree, read at one moment. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Resident memory, KiB (VmRSS). */
  rssKb: number;
  /** Threads of the process (`Threads:`). */
  threads: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Memory, threads, CPU time and parent of `pid`; null once it has gone (or is a zombie). */
export function processInfo(pid: number): ProcessInfo | null {
  const status = liveStatus(pid);
  const fields = status === null ? null : statFields(pid);
  if (status === null || fields === null) return null;
  return {
    pid,
    ppid: Number(fields[1]),
    rssKb: statusField(status, "VmRSS"),
    threads: statusField(status, "Threads"),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  };
}

/** The main thread's voluntary context switches: how often it went to sleep, i.e. woke up; null once gone. */
export function voluntarySwitches(pid: number): number | null {
  const status = read(`/proc/${pid}/status`);
  return status === null ? null : statusField(status, "voluntary_ctxt_switches");
}

/** `pid` and all its descendants, parents before children (one pass over /proc). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(name); // null: exited between readdir and read
    if (fields !== null) parents.set(Number(name), Number(fields[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const parent = tree[i] as number;
    for (const [child, ppid] of parents) if (ppid === parent) tree.push(child);
  }
  return tree;
}

/** This process's open-file limit, soft and hard (/proc/self/limits; "unlimited" is Infinity); NaN when unreadable. */
export function openFileLimits(): { soft: number; hard: number } {
  const line = read("/proc/self/limits")
    ?.split("\n")
    .find((l) => l.startsWith("Max open files"));
  const [soft, hard] = (line?.split(/\s{2,}/) ?? []).slice(1, 3).map((x) => (x === "unlimited" ? Infinity : Number(x)));
  return { soft: soft ?? NaN, hard: hard ?? NaN };
}

/** Clock ticks per second (`getconf CLK_TCK`), the unit of `processCpuTicks`; 100 if getconf is missing. */
export function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** The load averages over 1, 5 and 15 minutes (/proc/loadavg); NaN when unreadable. */
export function loadAverages(): [number, number, number] {
  const [a, b, c] = (read("/proc/loadavg") ?? "").split(" ").map((x) => (x === "" ? NaN : Number(x)));
  return [a ?? NaN, b ?? NaN, c ?? NaN];
}

interface CpuTimes {
  busy: number;
  total: number;
}

/** Jiffies of one line of /proc/stat ("cpu" = all cores, "cpu1" = core 1); null when unavailable. */
function readCpuTimes(name: string): CpuTimes | null {
  const line = read("/proc/stat")
    ?.split("\n")
    .find((l) => l.startsWith(name + " "));
  if (line === undefined) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) };
}

export interface BusySample {
  /** Percent of all cores' time spent busy during the sample (100 = every core busy). */
  allPct: number;
  /** The same for each core: perCorePct[k] is core k. */
  perCorePct: number[];
}

/** How busy the machine is over `ms` milliseconds; call it while nothing of ours runs. */
export async function sampleBusy(ms: number): Promise<BusySample> {
  const cores = cpus().length;
  const names = ["cpu", ...Array.from({ length: cores }, (_, k) => `cpu${k}`)];
  const before = names.map(readCpuTimes);
  await sleep(ms);
  const after = names.map(readCpuTimes);
  const pct = (a: CpuTimes | null | undefined, b: CpuTimes | null | undefined): number =>
    a == null || b == null || b.total === a.total ? NaN : (100 * (b.busy - a.busy)) / (b.total - a.total);
  const [allPct, ...perCorePct] = names.map((_, i) => pct(before[i], after[i]));
  return { allPct: allPct ?? NaN, perCorePct };
}

/** The core that was least busy in `sample` (0 when unknown). */
export function idlestCore(sample: BusySample): number {
  let best = 0;
  sample.perCorePct.forEach((pct, k) => {
    if (pct < (sample.perCorePct[best] ?? Infinity)) best = k;
  });
  return best;
}
