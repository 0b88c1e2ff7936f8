/**
 * The server's memory and responsiveness during each hostile-client attack, at a larger scale
 * than the integration tests (tests/server/hostile.test.ts), for docs/RELIABILITY.md.
 *
 *   npm run bench:attacks                      # all eight (~3–4 minutes)
 *   npm run bench:attacks -- --only 1,4        # some of them
 *   npm run bench:attacks -- --full-timeout    # slowloris until the server's 60 s name timeout cuts it off
 *   LOOPCHAT_BASELINE=<older build>/server/src/main.js npm run bench:attacks -- --only 7,8 --servers loopchat,baseline
 *                                              # each attack on ours, then on the older build
 *
 * Each attack gets a fresh server (`startServer` from bench/server/servers.ts: CHAT_MAX_CLIENTS=20000,
 * join notices on, and the attack's own settings, `Attack.server`: rate limit off for 1–6, the
 * production limits for 7 and 8), so VmHWM is that attack's own peak. A well-behaved pair
 * (bench/attacks/pair.ts, its own process) talks through it all: alice sends a ping every 50 ms
 * (250 ms under the per-user rate limit), bob must receive each one. Per attack: RSS before
 * (after a 1.5 s warm-up), the peak during (VmHWM, reset just before the attack), RSS after
 * (once the attackers are gone and /metrics shows the loop's tasks, members and connections back
 * at their level before the attack, waited for with a deadline) and 5 s later, the pair's
 * latency during the attack, the server's CPU, and what /metrics' loop histograms gained
 * meanwhile (they time our loop's turns and a sample of its steps; work done in Node callbacks,
 * such as ws parsing frames, is not in them). The attackers run in this process; the machine's
 * load average is printed with each attack, since on a shared two-core machine other work moves
 * the latencies.
 *
 * Exit status: 1 if the pair lost a message (or got one out of order, or was disconnected) or the
 * server died; 2 if an attack could not be carried out; otherwise 0. Failed expectations of an
 * attack (e.g. "every non-reader was cut off") are printed as CHECK FAILED but do not change it.
 */
import { cpus } from "node:os";
import { flag, list, parseOptions, refuse } from "../common/options.js";
import { reportHeader } from "../common/report-header.js";
import { sleep } from "../common/sleep.js";
import { clockTicksPerSecond, isAlive, loadAverages, openFileLimits, processMemoryKb, type ProcessMemory } from "../common/proc.js";
import { SERVER_TITLES, startServer, type RunningServer } from "../server/servers.js";
import { ATTACK_SERVERS, type Attack, type AttackReport, type AttackServer } from "./attack.js";
import { ATTACKS } from "./attacks.js";
import {
  fetchMetrics,
  footprintOf,
  histogramDelta,
  resetPeak,
  Sampler,
  tcpKernelKb,
  type Footprint,
  type HistogramDelta,
  type Highs,
} from "./monitor.js";
import { Pair } from "./pair-control.js";
import type { FinalStats, WindowStats } from "./pair.js";
import { withDeadline } from "./wire.js";

const WARMUP_MS = 1_500;
/** After the footprint is back: how much longer to wait before a last look at memory (does it come back?). */
const LATER_MS = 5_000;
const BASELINE_DEADLINE_MS = 30_000;
const ATTACK_DEADLINE_MS = 150_000;
const NEEDED_FILES = 6_000;
const TICKS_PER_S = clockTicksPerSecond();

interface Row {
  attack: Attack;
  server: AttackServer;
  report: AttackReport | null;
  error: string | null;
  durationMs: number;
  rssBeforeKb: number;
  tcpKernelBeforeKb: number;
  peakKb: number;
  peakFrom: "VmHWM" | "sampled";
  rssAfterKb: number;
  /** RSS and heap LATER_MS after `rssAfterKb`. */
  later: { rssKb: number; heapUsed: number | null } | null;
  before: Footprint | null;
  after: Footprint | null;
  backToBaseline: boolean;
  recoveryMs: number;
  highs: Highs | null;
  /** Server CPU time during the attack, % of one core (from /proc/PID/stat). */
  serverCpu: number;
  /** This driver's CPU time during the attack (the attackers run here), % of one core. */
  driverCpu: number;
  /** The server's loop lag (time each turn held the thread) during the attack, from /metrics. */
  lag: HistogramDelta | null;
  /** The same for single task steps (loopchat_loop_step_seconds). */
  steps: HistogramDelta | null;
  window: WindowStats | null;
  final: FinalStats | null;
  serverAlive: boolean;
  /** The machine's 1-minute load average when the attack started (2 cores: above 2 means other work competed). */
  load: number;
  notes: string[];
  phases: { name: string; atMs: number }[];
  checks: { ok: boolean; text: string }[];
}

const mib = (kb: number): string => (Number.isFinite(kb) ? (kb / 1024).toFixed(1) : "?");
const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? "?" : v < 10 ? v.toFixed(1) : v.toFixed(0));

function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

/** The server's counters, sampled a few times: the fewest tasks seen (a member's writer task comes and goes). */
async function baseline(port: number): Promise<Footprint> {
  let best: Footprint | null = null;
  for (let i = 0; i < 5; i++) {
    const f = footprintOf((await fetchMetrics(port)).values);
    if (best === null || f.tasks < best.tasks) best = f;
    await sleep(100);
  }
  return best as Footprint;
}

/** Waits until tasks, members and connections are back at `before` (tasks: at most as many). */
async function backTo(port: number, before: Footprint): Promise<{ ok: boolean; ms: number; now: Footprint | null }> {
  const start = performance.now();
  let now: Footprint | null = null;
  while (performance.now() - start < BASELINE_DEADLINE_MS) {
    try {
      now = footprintOf((await fetchMetrics(port)).values);
      if (now.tasks <= before.tasks && now.members === before.members && now.tcp === before.tcp && now.ws === before.ws) {
        return { ok: true, ms: performance.now() - start, now };
      }
    } catch {
      // a slow answer: try again until the deadline
    }
    await sleep(100);
  }
  return { ok: false, ms: performance.now() - start, now };
}

async function runOne(attack: Attack, kind: AttackServer, fullTimeout: boolean): Promise<Row> {
  const row: Row = {
    attack,
    server: kind,
    report: null,
    error: null,
    durationMs: NaN,
    rssBeforeKb: NaN,
    tcpKernelBeforeKb: NaN,
    peakKb: NaN,
    peakFrom: "VmHWM",
    rssAfterKb: NaN,
    later: null,
    before: null,
    after: null,
    backToBaseline: false,
    recoveryMs: NaN,
    highs: null,
    serverCpu: NaN,
    driverCpu: NaN,
    lag: null,
    steps: null,
    window: null,
    final: null,
    serverAlive: true,
    load: NaN,
    notes: [],
    phases: [],
    checks: [],
  };
  let server: RunningServer | null = null;
  let pair: Pair | null = null;
  let sampler: Sampler | null = null;
  try {
    server = await startServer(kind, { core: null, joinNotices: true, env: attack.server.env });
    const { pid, port, wsPort } = server;
    pair = await Pair.start(port, attack.server.pingEveryMs);
    await sleep(WARMUP_MS);
    row.before = await baseline(wsPort);
    row.rssBeforeKb = processMemoryKb(pid)?.rssKb ?? NaN;
    row.tcpKernelBeforeKb = tcpKernelKb();
    row.peakFrom = resetPeak(pid) ? "VmHWM" : "sampled";
    sampler = new Sampler(pid, wsPort);
    const metricsBefore = (await fetchMetrics(wsPort)).values;
    await pair.windowStart();
    row.load = loadAverages()[0];
    const start = performance.now();
    const ticks0 = server.cpuTicks();
    const cpu0 = process.cpuUsage();
    const memory = (): ProcessMemory => processMemoryKb(pid) ?? { rssKb: NaN, peakKb: NaN };
    row.report = await withDeadline(
      attack.run({
        port,
        wsPort,
        server: kind,
        rssBeforeKb: row.rssBeforeKb,
        memory,
        metrics: () => fetchMetrics(wsPort, 20_000),
        note: (text) => row.notes.push(text),
        phase: (name) => row.phases.push({ name, atMs: performance.now() - start }),
        check: (ok, text) => row.checks.push({ ok, text }),
        fullTimeout,
      }),
      ATTACK_DEADLINE_MS,
      `attack ${attack.id} (${attack.name})`,
    );
    row.durationMs = performance.now() - start;
    row.serverCpu = ((server.cpuTicks() - ticks0) * (1000 / TICKS_PER_S) * 100) / row.durationMs;
    const cpu = process.cpuUsage(cpu0);
    row.driverCpu = ((cpu.user + cpu.system) / 1000 / row.durationMs) * 100;
    const metricsAfter = (await fetchMetrics(wsPort, 20_000)).values;
    row.lag = histogramDelta(metricsBefore, metricsAfter, "loopchat_loop_lag_seconds");
    row.steps = histogramDelta(metricsBefore, metricsAfter, "loopchat_loop_step_seconds");
    row.window = await pair.windowEnd();
    const back = await backTo(wsPort, row.before);
    row.backToBaseline = back.ok;
    row.recoveryMs = back.ms;
    row.after = back.now;
    const m = memory();
    row.rssAfterKb = m.rssKb;
    row.highs = sampler.stop();
    row.peakKb = row.peakFrom === "VmHWM" ? m.peakKb : row.highs.rssKb;
    await sleep(LATER_MS);
    row.later = { rssKb: memory().rssKb, heapUsed: footprintOf((await fetchMetrics(wsPort, 20_000)).values).heapUsed };
    row.final = await pair.finish();
    row.serverAlive = isAlive(pid) && (await fetchMetrics(wsPort).then(() => true, () => false));
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
    if (server !== null) row.serverAlive = isAlive(server.pid);
  } finally {
    sampler?.stop();
    pair?.kill();
    if (server !== null) {
      if (!isAlive(server.pid)) row.serverAlive = false;
      await server.stop();
    }
  }
  return row;
}

function pairLoss(row: Row): string | null {
  const problems: string[] = [];
  const w = row.window;
  const f = row.final;
  if (w !== null && w.missing > 0) problems.push(`${w.missing} lost during the attack`);
  if (f !== null && f.missing > 0) problems.push(`${f.missing} lost in the whole run`);
  if (f !== null && f.outOfOrder > 0) problems.push(`${f.outOfOrder} out of order`);
  if (f?.disconnected) problems.push(f.disconnected);
  if (f === null && row.error !== null) problems.push("unknown (the run failed)");
  return problems.length > 0 ? problems.join("; ") : null;
}

function table(rows: Row[], withServer: boolean): string {
  const head = ["#", "attack", ...(withServer ? ["server"] : []), "attackers", "sent", "duration s", "RSS before MiB", "peak MiB", "after MiB", "tasks before → after", "pair p50 / p99 / max ms", "pair lost"];
  const body = rows.map((r) => {
    const w = r.window;
    const loss = pairLoss(r);
    return [
      String(r.attack.id),
      r.attack.name,
      ...(withServer ? [r.server] : []),
      r.report === null ? "?" : r.report.attackers.toLocaleString("en-US"),
      r.report === null ? "?" : bytes(r.report.bytesSent),
      Number.isFinite(r.durationMs) ? (r.durationMs / 1000).toFixed(1) : "?",
      mib(r.rssBeforeKb),
      mib(r.peakKb) + (r.peakFrom === "sampled" ? " (sampled)" : ""),
      mib(r.rssAfterKb),
      `${r.before?.tasks ?? "?"} → ${r.after?.tasks ?? "?"}${r.backToBaseline ? "" : " (NOT back)"}`,
      w === null ? "?" : `${ms(w.p50)} / ${ms(w.p99)} / ${ms(w.max)}`,
      loss ?? "nothing",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

const envText = (env: Readonly<Record<string, string>>): string =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

function details(r: Row, withServer: boolean): string[] {
  const out = [`${r.attack.id}. ${r.attack.name}${withServer ? ` on ${r.server}` : ""} (${envText(r.attack.server.env)}; a ping every ${r.attack.server.pingEveryMs} ms)`];
  if (r.error !== null) out.push(`   ERROR: ${r.error}`);
  for (const n of r.notes) out.push(`   - ${n}`);
  for (const c of r.checks) out.push(`   ${c.ok ? "ok" : "CHECK FAILED"}: ${c.text}`);
  const h = r.highs;
  if (h !== null) {
    out.push(
      `   - during: up to ${h.tasks} tasks, ${h.members} members, ${h.connections} connections; /metrics answered in ≤ ${ms(h.metricsMs)} ms ` +
        `(${h.samples} samples, ${h.metricsFailures} failed); kernel TCP buffers (all sockets on the machine) up to ` +
        `+${mib(h.tcpKernelKb - r.tcpKernelBeforeKb)} MiB, which is not in RSS`,
    );
    if (h.heapUsed !== null) {
      const heap = (b: number | null | undefined): string => (b === null || b === undefined ? "?" : (b / 1024 / 1024).toFixed(1));
      out.push(
        `   - heap used: ${heap(r.before?.heapUsed)} MiB before, ${heap(h.heapUsed)} MiB peak (sampled), ${heap(r.after?.heapUsed)} MiB after, ` +
          `${heap(r.later?.heapUsed)} MiB ${LATER_MS / 1000} s later (RSS then ${mib(r.later?.rssKb ?? NaN)} MiB)`,
      );
    }
  }
  if (Number.isFinite(r.serverCpu)) {
    out.push(
      `   - CPU during the attack: server ${r.serverCpu.toFixed(0)} % of a core, attackers (this process) ${r.driverCpu.toFixed(0)} %; ` +
        `machine load average ${r.load.toFixed(1)} at the start (${cpus().length} cores)`,
    );
  }
  if (r.lag !== null) {
    const bound = (v: number): string => (v === Infinity ? "> 1 s (over the largest bucket)" : `≤ ${ms(v)} ms`);
    const steps = r.steps === null ? "" : `; ${r.steps.count} steps, p99 ${bound(r.steps.p99Ms)}, longest ${bound(r.steps.maxMs)}`;
    out.push(`   - server loop during the attack (/metrics histograms): ${r.lag.count} turns, p99 ${bound(r.lag.p99Ms)}, longest ${bound(r.lag.maxMs)}${steps}`);
  }
  if (r.before !== null && r.after !== null) {
    const f = (x: Footprint): string => `${x.tasks} tasks, ${x.members} members, ${x.tcp} tcp + ${x.ws} ws`;
    out.push(
      r.backToBaseline
        ? `   - back to the level before (${f(r.before)}) ${(r.recoveryMs / 1000).toFixed(1)} s after the attackers left`
        : `   - NOT back to the level before within ${BASELINE_DEADLINE_MS / 1000} s: ${f(r.after)} (before: ${f(r.before)})`,
    );
  }
  if (r.window !== null) {
    const w = r.window;
    out.push(`   - pair during the attack: ${w.received}/${w.sent} pings received; the pair process's own worst loop delay ${ms(w.ownLagMax)} ms`);
    const worst = w.worst.map((x) => `${ms(x.latencyMs)} ms (sent at ${(x.atMs / 1000).toFixed(1)} s)`).join(", ");
    const phases = r.phases.map((p) => `${p.name} ${(p.atMs / 1000).toFixed(1)} s`).join(", ");
    out.push(`   - slowest pings: ${worst}; phases: ${phases || "–"}`);
  }
  if (r.final !== null) {
    const f = r.final;
    out.push(`   - pair over the whole run: ${f.received}/${f.sent} received, ${f.outOfOrder} out of order, longest line bob got ${f.longestLine} B, ${f.leakedLines} lines of the attack's "yyyy"`);
  }
  if (!r.serverAlive) out.push("   SERVER DIED");
  return out;
}

async function main(): Promise<number> {
  const command = {
    name: "bench:attacks",
    invocation: "npm run bench:attacks --",
    options: {
      only: list(ATTACKS.map((a) => String(a.id)), "these attacks (all)"),
      servers: list(ATTACK_SERVERS, "run each attack on these, one after the other (loopchat); baseline: the build in LOOPCHAT_BASELINE"),
      "full-timeout": flag("run the slowloris until the server's 60 s name timeout cuts it off"),
    },
    about: "attacks:\n" + ATTACKS.map((a) => `  ${a.id}. ${a.name}`).join("\n"),
  };
  const values = parseOptions(command);
  const selected = ATTACKS.filter((a) => values.only === undefined || values.only.includes(String(a.id)));
  const servers = values.servers ?? ["loopchat"];
  if (servers.includes("baseline") && process.env.LOOPCHAT_BASELINE === undefined) {
    refuse(command, "--servers baseline needs LOOPCHAT_BASELINE=<path to a built server/src/main.js>");
  }
  const withServer = servers.length > 1 || servers[0] !== "loopchat";
  const files = openFileLimits().soft;
  if (files < NEEDED_FILES) {
    console.error(`the open-file limit is ${files}; this needs ${NEEDED_FILES} (run \`ulimit -n ${NEEDED_FILES}\` first)`);
    return 2;
  }

  const started = new Date();
  const header = [
    `# loopchat under attack: memory and responsiveness`,
    ``,
    ...reportHeader(),
    `server:  fresh per attack, started by bench/server/servers.ts (CHAT_MAX_CLIENTS=20000, join notices on, LOG_LEVEL=warn, not pinned), with each attack's settings (below)`,
    ...servers.map((kind) => `         ${kind}: ${SERVER_TITLES[kind]}`),
    `pair:    alice → bob, one ping every 50 ms (250 ms under the per-user rate limit), in its own process; latency = bob's receive − alice's send`,
  ].join("\n");
  console.log(header + "\n");

  const rows: Row[] = [];
  for (const attack of selected) {
    for (const kind of servers) {
      process.stdout.write(`running ${attack.id}. ${attack.name}${withServer ? ` on ${kind}` : ""} ... `);
      const t = performance.now();
      const row = await runOne(attack, kind, values["full-timeout"]);
      rows.push(row);
      console.log(row.error === null ? `done in ${((performance.now() - t) / 1000).toFixed(0)} s` : `FAILED: ${row.error}`);
    }
  }

  const total = (Date.now() - started.getTime()) / 1000;
  console.log(`\n${table(rows, withServer)}\n`);
  console.log(
    "RSS in MiB from /proc/PID/status. before: after a 1.5 s warm-up with the pair talking. peak: VmHWM, reset just before the attack. " +
      "after: once /metrics shows tasks, members and connections back at their level before. tasks: loopchat_loop_tasks. " +
      "pair latency: pings sent while the attack ran.\n",
  );
  for (const row of rows) console.log(details(row, withServer).join("\n"));
  const lost = rows.filter((r) => pairLoss(r) !== null);
  const died = rows.filter((r) => !r.serverAlive);
  const failed = rows.filter((r) => r.error !== null);
  const checks = rows.flatMap((r) => r.checks.filter((c) => !c.ok));
  console.log(
    `\nload average at the end: ${loadAverages()
      .map((l) => l.toFixed(2))
      .join(" ")}; total ${total.toFixed(0)} s; pair lost something in ${lost.length} attack(s); server died in ${died.length}; ${failed.length} attack(s) failed to run; ${checks.length} check(s) failed`,
  );
  if (lost.length > 0 || died.length > 0) return 1;
  if (failed.length > 0) return 2;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
