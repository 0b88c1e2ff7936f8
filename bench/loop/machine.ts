/**
 * What the benchmarks read about the machine they share with others: CPU use of all processes
 * (/proc/stat), load average, a process's own CPU time (/proc/PID/stat), and available commands.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { sleep } from "../common/sleep.js";

interface CpuTimes {
  busy: number;
  total: number;
}

/** Jiffies of one line of /proc/stat ("cpu" = all cores, "cpu1" = core 1); null when unavailable. */
function readCpuTimes(name: string): CpuTimes | null {
  try {
    const line = readFileSync("/proc/stat", "utf8")
      .split("\n")
      .find((l) => l.startsWith(name + " "));
    if (line === undefined) return null;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) };
  } catch {
    return null;
  }
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

/** The 1-minute load average, or NaN. */
export function loadAverage(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
}

/** utime + stime of a process, in clock ticks; null once it has gone. */
export function processCpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  } catch {
    return null;
  }
}

/** The main thread's voluntary context switches: how often it went to sleep, i.e. woke up. */
export function voluntarySwitches(pid: number): number | null {
  try {
    const match = /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** Clock ticks per second (`getconf CLK_TCK`), 100 if getconf is missing. */
export function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** True if `name` is a command on the PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** First line of `command --version`, or null. */
export function commandVersion(command: string, args: string[] = ["--version"]): string | null {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n")[0] ?? null;
  } catch {
    return null;
  }
}
