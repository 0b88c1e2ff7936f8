/**
 * A server seen from outside through /proc: its process and every descendant (Version #2's
 * worker processes), their resident memory, threads and CPU time. Read the same way for all
 * three versions, so their numbers compare.
 */
import { readdirSync, readFileSync } from "node:fs";

/** One process of a server's tree. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Resident memory, KiB (VmRSS). */
  rssKb: number;
  /** Threads of the process (`Threads:` in /proc/PID/status). */
  threads: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** A server's whole process tree at one moment. */
export interface TreeSnapshot {
  /** The server's own process (null once it has gone). */
  main: ProcInfo | null;
  /** The main process and all its descendants. */
  all: ProcInfo[];
  /** Sum of VmRSS over the tree, KiB. */
  rssKb: number;
  /** Sum of threads over the tree. */
  threads: number;
  /** Sum of CPU time over the tree, clock ticks (a child that exited takes its time with it). */
  cpuTicks: number;
}

function readProc(pid: number): ProcInfo | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    if (state === "Z" || state === "X") return null;
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      pid,
      ppid: Number(fields[1]),
      rssKb: field("VmRSS"),
      threads: field("Threads"),
      cpuTicks: Number(fields[11]) + Number(fields[12]), // fields 14 and 15 of proc(5)
    };
  } catch {
    return null; // gone meanwhile
  }
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  return readProc(pid) !== null;
}

/** Parent pid of every process on the machine (one pass over /proc). */
function parentsOfAll(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited between readdir and read
    }
  }
  return parents;
}

/** `pid` and all its descendants, parents before children. */
export function processTree(pid: number): number[] {
  const parents = parentsOfAll();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const parent = tree[i] as number;
    for (const [child, ppid] of parents) if (ppid === parent) tree.push(child);
  }
  return tree;
}

export function snapshot(pid: number): TreeSnapshot {
  const all = processTree(pid)
    .map(readProc)
    .filter((p): p is ProcInfo => p !== null);
  const main = all.find((p) => p.pid === pid) ?? null;
  const sum = (pick: (p: ProcInfo) => number): number => all.reduce((total, p) => total + pick(p), 0);
  return { main, all, rssKb: sum((p) => p.rssKb), threads: sum((p) => p.threads), cpuTicks: sum((p) => p.cpuTicks) };
}
