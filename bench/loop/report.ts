/**
 * Turns the loop benchmark's measurements into markdown tables: medians of the cold (1st) and warm
 * (2nd) iterations per implementation, ratios between implementations measured in the same run,
 * the targets, and the machine load seen before each measurement. When `baseline` (the loop of
 * another checkout) was measured too, the tables gain its ratios: before and after, same run.
 */
import type { ChildReport, IterationResult, Scenario } from "./harness.js";
import type { BusySample } from "../common/proc.js";
import { median } from "../common/percentile.js";

export const IMPLS = ["loop", "async", "effection", "asyncio"] as const;
/** `baseline`: bench/loop/impl-loop.ts of another checkout (LOOP_BASELINE), for before/after figures. */
export const ALL_IMPLS = [...IMPLS, "baseline"] as const;
export type Impl = (typeof ALL_IMPLS)[number];

export interface Measurement {
  rep: number;
  impl: Impl;
  scenario: Scenario;
  /** Other processes' CPU use just before the child started. */
  busy: BusySample;
  /** The core the child was pinned to (the idlest one in `busy`), or null when not pinned. */
  core: number | null;
  loadAvg: number;
  report: ChildReport | null;
  error?: string;
}

export const SCENARIO_TITLES: Record<Scenario, string> = {
  a: "(a) ping-pong through two unbounded queues: messages/s (higher is better)",
  b: "(b) spawn + join of tasks that yield once: spawn+join/s (higher is better)",
  c: "(c) sleepers of 0–10 ms (seeded): wall time and lateness (lower is better)",
};

type Field = keyof IterationResult;
type Phase = 0 | 1; // 0 = cold (1st iteration), 1 = warm (2nd)

function reports(ms: readonly Measurement[], impl: Impl, scenario: Scenario): ChildReport[] {
  return ms.filter((m) => m.impl === impl && m.scenario === scenario && m.report !== null).map((m) => m.report as ChildReport);
}

function values(rs: readonly ChildReport[], phase: Phase, field: Field): number[] {
  return rs.map((r) => r.runs[phase]?.[field]).filter((v): v is number => typeof v === "number");
}

function med(rs: readonly ChildReport[], phase: Phase, field: Field): number {
  return median(values(rs, phase, field));
}

/** cpu/wall of the warm iteration: well below 1.0 on a CPU-bound scenario means the process waited for a core. */
function cpuShare(rs: readonly ChildReport[]): number {
  return median(rs.map((r) => (r.runs[1] === undefined ? NaN : r.runs[1].cpuMs / r.runs[1].wallMs)).filter((x) => !Number.isNaN(x)));
}

export function formatRate(x: number): string {
  if (Number.isNaN(x)) return "n/a";
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M/s`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k/s`;
  return `${x.toFixed(0)}/s`;
}

const ms = (x: number): string => (Number.isNaN(x) ? "n/a" : `${x.toFixed(1)} ms`);
const ratio = (x: number): string => (Number.isNaN(x) || !Number.isFinite(x) ? "n/a" : `${x >= 100 ? x.toFixed(0) : x.toPrecision(3)}×`);
const count = (n: number): string => n.toLocaleString("en-US");

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Why an implementation has no numbers: skipped, or how its children failed. */
function missing(all: readonly Measurement[], impl: Impl, scenario: Scenario, skipped: ReadonlyMap<Impl, string>): string | null {
  const reason = skipped.get(impl);
  if (reason !== undefined) return reason;
  const errors = all.filter((m) => m.impl === impl && m.scenario === scenario && m.error !== undefined);
  if (errors.length > 0 && reports(all, impl, scenario).length === 0) return `failed: ${errors[0]?.error ?? "?"}`;
  return null;
}

export function throughputTable(all: readonly Measurement[], scenario: "a" | "b", impls: readonly Impl[], skipped: ReadonlyMap<Impl, string>): string {
  const warmOf = (impl: Impl): number => med(reports(all, impl, scenario), 1, "rate");
  const against: Impl[] = ["async", "asyncio", ...(impls.includes("baseline") ? (["baseline"] as const) : [])];
  const rows = impls.map((impl) => {
    const why = missing(all, impl, scenario, skipped);
    if (why !== null) return [impl, why, "", "", "", ...against.map(() => ""), ""];
    const rs = reports(all, impl, scenario);
    const warm = values(rs, 1, "rate");
    return [
      impl,
      count(rs[0]?.size ?? 0),
      formatRate(med(rs, 0, "rate")),
      formatRate(median(warm)),
      `${formatRate(Math.min(...warm))} – ${formatRate(Math.max(...warm))}`,
      ...against.map((other) => ratio(median(warm) / warmOf(other))),
      cpuShare(rs).toFixed(2),
    ];
  });
  return table(["impl", "n", "cold (median)", "warm (median)", "warm min – max", ...against.map((other) => `warm vs ${other}`), "cpu/wall (warm)"], rows);
}

export function sleepTable(all: readonly Measurement[], impls: readonly Impl[], skipped: ReadonlyMap<Impl, string>, idealMs: number): string {
  const vsBaseline = impls.includes("baseline");
  const baselineWall = med(reports(all, "baseline", "c"), 1, "wallMs");
  const rows = impls.map((impl) => {
    const why = missing(all, impl, "c", skipped);
    if (why !== null) return [impl, why, "", "", "", "", "", "", "", ...(vsBaseline ? [""] : [])];
    const rs = reports(all, impl, "c");
    const warmWall = med(rs, 1, "wallMs");
    return [
      impl,
      count(rs[0]?.size ?? 0),
      ms(med(rs, 0, "wallMs")),
      ms(warmWall),
      ratio(warmWall / idealMs),
      ms(med(rs, 0, "p99LateMs")),
      ms(med(rs, 1, "p99LateMs")),
      ms(med(rs, 1, "maxLateMs")),
      ms(med(rs, 1, "p50LateMs")),
      ...(vsBaseline ? [ratio(warmWall / baselineWall)] : []),
    ];
  });
  return table(
    [
      "impl",
      "n",
      "wall cold",
      "wall warm",
      `warm wall / ideal ${idealMs} ms`,
      "p99 late cold",
      "p99 late warm",
      "max late warm",
      "p50 late warm",
      ...(vsBaseline ? ["wall warm vs baseline"] : []),
    ],
    rows,
  );
}

/** Ratios of rep k of `impl` to rep k of `other`: adjacent in time, so they show how much noise moved the median. */
function pairedRatios(all: readonly Measurement[], scenario: Scenario, impl: Impl, other: Impl): number[] {
  const byRep = (i: Impl): Map<number, number> =>
    new Map(
      all
        .filter((m) => m.impl === i && m.scenario === scenario && m.report?.runs[1]?.rate !== undefined)
        .map((m) => [m.rep, m.report?.runs[1]?.rate as number]),
    );
  const mine = byRep(impl);
  const theirs = byRep(other);
  return [...mine].filter(([rep]) => theirs.has(rep)).map(([rep, v]) => v / (theirs.get(rep) as number));
}

/** The targets, and with `baseline` measured, the loop against it (no target: the change before → after). */
export function targetsTable(all: readonly Measurement[], scenarios: readonly Scenario[], impls: readonly Impl[]): string {
  const rows: string[][] = [];
  const verdict = (ok: boolean | null): string => (ok === null ? "n/a" : ok ? "PASS" : "FAIL");
  const rate = (impl: Impl, s: Scenario): number => med(reports(all, impl, s), 1, "rate");
  for (const s of scenarios) {
    if (s === "c") {
      for (const [field, label] of [
        ["wallMs", "wall time"],
        ["p99LateMs", "p99 lateness"],
      ] as const) {
        const loop = med(reports(all, "loop", "c"), 1, field);
        const async = med(reports(all, "async", "c"), 1, field);
        const known = !Number.isNaN(loop) && !Number.isNaN(async);
        rows.push(["(c)", `loop ${label} ≤ async`, `${ms(loop)} vs ${ms(async)}`, "", verdict(known ? loop <= async : null)]);
        if (impls.includes("baseline")) {
          const before = med(reports(all, "baseline", "c"), 1, field);
          rows.push(["(c)", `loop ${label} vs baseline (no target)`, `${ms(loop)} vs ${ms(before)} = ${ratio(loop / before)}`, "", "–"]);
        }
      }
      continue;
    }
    const goals: [Impl, number][] = s === "a" ? [["async", 1.0], ["asyncio", 25]] : [["async", 0.8], ["asyncio", 10]];
    const spreadOf = (other: Impl): string => {
      const paired = pairedRatios(all, s, "loop", other);
      return paired.length === 0 ? "" : `${ratio(Math.min(...paired))} – ${ratio(Math.max(...paired))}`;
    };
    for (const [other, goal] of goals) {
      const r = rate("loop", s) / rate(other, s);
      rows.push([`(${s})`, `loop ≥ ${goal}× ${other}`, ratio(r), spreadOf(other), verdict(Number.isNaN(r) ? null : r >= goal)]);
    }
    if (impls.includes("baseline")) rows.push([`(${s})`, "loop vs baseline (no target)", ratio(rate("loop", s) / rate("baseline", s)), spreadOf("baseline"), "–"]);
  }
  return table(["scenario", "target (warm)", "measured (ratio of medians)", "per-rep paired ratios", "result"], rows);
}

export function loadTable(all: readonly Measurement[], reps: number): string {
  const pct = (xs: number[]): string => {
    const ok = xs.filter((x) => !Number.isNaN(x));
    return ok.length === 0 ? "n/a" : `${median(ok).toFixed(0)} % / ${Math.max(...ok).toFixed(0)} %`;
  };
  const rows: string[][] = [];
  for (let rep = 1; rep <= reps; rep++) {
    const ms = all.filter((m) => m.rep === rep);
    if (ms.length === 0) continue;
    rows.push([
      String(rep),
      String(ms.length),
      `${Math.min(...ms.map((m) => m.loadAvg)).toFixed(2)} – ${Math.max(...ms.map((m) => m.loadAvg)).toFixed(2)}`,
      pct(ms.map((m) => m.busy.allPct)),
      pct(ms.map((m) => (m.core === null ? NaN : (m.busy.perCorePct[m.core] ?? NaN)))),
    ]);
  }
  return table(["rep", "measurements", "loadavg 1 min", "other CPU, all cores (median / max)", "other CPU, on the core pinned to (median / max)"], rows);
}

/** Warns when implementations of (c) did not sleep the same list of durations. */
export function checkConsistency(all: readonly Measurement[]): string[] {
  const warnings: string[] = [];
  for (const scenario of ["a", "b", "c"] as const) {
    const bySize = new Map<number, Set<string>>();
    for (const m of all) {
      if (m.scenario !== scenario || m.report === null) continue;
      const set = bySize.get(m.report.size) ?? new Set<string>();
      set.add(m.report.check);
      bySize.set(m.report.size, set);
    }
    for (const [size, checks] of bySize) {
      if (checks.size > 1) warnings.push(`scenario (${scenario}) n=${size}: implementations disagree: ${[...checks].join(" / ")}`);
    }
  }
  return warnings;
}
