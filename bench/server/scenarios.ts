/**
 * The four server scenarios of issue 7. Each starts its server fresh, drives it with the load
 * generator, and returns plain numbers; the driver repeats them and builds the tables.
 */
import { sleep } from "../common/sleep.js";
import { clockTicksPerSecond } from "../common/proc.js";
import { LoadGenerator, type Totals } from "./load.js";
import { monotonicUs } from "./load-protocol.js";
import { startServer, type RunningServer, type ServerKind } from "./servers.js";

export const SCENARIOS = ["A", "B", "C", "CN"] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface Setup {
  serverCore: number | null;
  generatorCore: number | null;
  /** Load-generator processes. */
  processes: number;
  quick: boolean;
  progress(line: string): void;
}

export type Metrics = Record<string, number>;

export interface Outcome {
  metrics: Metrics;
  notes: string[];
}

const TICKS = clockTicksPerSecond();
const ms = (us: number): number => us / 1000;

/** Server CPU in percent of one core between two readings. */
function cpuPct(server: RunningServer, ticksBefore: number, usBefore: number): number {
  return (100 * ((server.cpuTicks() - ticksBefore) / TICKS)) / ((monotonicUs() - usBefore) / 1e6);
}

async function withServer(kind: ServerKind, setup: Setup, joinNotices: boolean, body: (server: RunningServer, load: LoadGenerator) => Promise<Outcome>): Promise<Outcome> {
  const server = await startServer(kind, { core: setup.serverCore, joinNotices });
  const load = LoadGenerator.start(setup.processes, setup.generatorCore);
  try {
    return await body(server, load);
  } finally {
    await load.close();
    await server.stop();
  }
}

/** Evenly spread ids among `clients`, so senders are spread over the generator processes. */
function spread(senders: number, clients: number): number[] {
  return Array.from({ length: senders }, (_, i) => Math.floor((i * clients) / senders));
}

function generatorNote(sent: { sent: number; due: number; cpuShare: number }, totals: Totals): string | null {
  const limits: string[] = [];
  if (sent.sent < 0.98 * sent.due) limits.push(`sent ${sent.sent} of ${sent.due} due`);
  if (totals.cpuShare > 0.9) limits.push(`generator CPU ${(100 * totals.cpuShare).toFixed(0)} %`);
  return limits.length === 0 ? null : `the load generator was the bottleneck (${limits.join(", ")})`;
}

/** Sends, then waits for every delivery (or `drainMs`), and measures the window. */
async function window(server: RunningServer, load: LoadGenerator, senders: number[], clients: number, rate: number, durationMs: number, drainMs: number) {
  await load.reset();
  const ticks = server.cpuTicks();
  const started = monotonicUs();
  const sent = await load.send(senders, rate, durationMs);
  const expected = sent.sent * clients;
  const totals = await load.until((t) => t.received >= expected, drainMs);
  const serverCpu = cpuPct(server, ticks, started);
  const spanUs = Math.max(totals.lastReceivedUs - started, durationMs * 1000);
  return { sent, expected, totals, serverCpu, deliveriesPerS: totals.received / (spanUs / 1e6) };
}

function latencyMetrics(t: Totals): Metrics {
  return {
    p50Ms: ms(t.latency.quantile(0.5)),
    p90Ms: ms(t.latency.quantile(0.9)),
    p99Ms: ms(t.latency.quantile(0.99)),
    maxMs: ms(t.latency.max),
  };
}

/** (A) fan-out: 1,000 clients, 10 senders × 50 lines/s for 10 s = 500,000 deliveries/s offered. */
export function fanOut(kind: ServerKind, setup: Setup): Promise<Outcome> {
  const clients = setup.quick ? 300 : 1_000;
  const durationMs = setup.quick ? 4_000 : 10_000;
  return withServer(kind, setup, false, async (server, load) => {
    const connected = await load.connect(server.host, server.port, clients);
    if (connected.joined < clients) throw new Error(`only ${connected.joined} of ${clients} joined: ${connected.errorSamples.join(", ")}`);
    const w = await window(server, load, spread(10, clients), clients, 50, durationMs, 5_000);
    const notes = [generatorNote(w.sent, w.totals)].filter((n): n is string => n !== null);
    return {
      metrics: {
        offeredPerS: (w.sent.due * clients) / (durationMs / 1000),
        deliveriesPerS: w.deliveriesPerS,
        deliveredPct: (100 * w.totals.received) / w.expected,
        ...latencyMetrics(w.totals),
        outOfOrder: w.totals.outOfOrder,
        serverCpuPct: w.serverCpu,
        serverNsPerDelivery: ((w.serverCpu / 100) * 1e9) / w.deliveriesPerS,
        generatorCpuPct: 100 * w.totals.cpuShare,
        linesPerRead: w.totals.received / Math.max(1, w.totals.reads),
        peakRssMB: server.memoryKb().peakKb / 1024,
      },
      notes,
    };
  });
}

/** (B) saturation: 100 clients all sending, the rate stepped up until < 99 % delivered or p99 > 100 ms. */
export function saturation(kind: ServerKind, setup: Setup): Promise<Outcome> {
  const clients = 100;
  const stepMs = setup.quick ? 1_000 : 2_000;
  const factor = setup.quick ? 2 : 1.4;
  const budgetUs = (setup.quick ? 20 : 55) * 1e6;
  return withServer(kind, setup, false, async (server, load) => {
    const connected = await load.connect(server.host, server.port, clients);
    if (connected.joined < clients) throw new Error(`only ${connected.joined} of ${clients} joined: ${connected.errorSamples.join(", ")}`);
    const senders = spread(clients, clients);
    const started = monotonicUs();
    let best: Metrics | null = null;
    let bestNote: string | null = null;
    const notes: string[] = [];
    for (let rate = 10; monotonicUs() - started < budgetUs; rate = Math.ceil(rate * factor)) {
      const w = await window(server, load, senders, clients, rate, stepMs, 2_000);
      const p99Ms = ms(w.totals.latency.quantile(0.99));
      const deliveredPct = (100 * w.totals.received) / w.expected;
      const step =
        `${rate}/s per sender: ${(w.deliveriesPerS / 1e6).toFixed(2)} M deliveries/s, ${deliveredPct.toFixed(1)} % delivered, p99 ${p99Ms.toFixed(1)} ms` +
        ` (server CPU ${w.serverCpu.toFixed(0)} %, generator ${(100 * w.totals.cpuShare).toFixed(0)} %, ${(w.totals.received / Math.max(1, w.totals.reads)).toFixed(1)} lines per read)`;
      setup.progress(`    B ${kind} ${step}`);
      if (deliveredPct < 99 || p99Ms > 100 || w.totals.outOfOrder > 0) {
        notes.push(`failed at ${step}`);
        break;
      }
      best = {
        deliveriesPerS: w.deliveriesPerS,
        ratePerSender: rate,
        p99Ms,
        serverCpuPct: w.serverCpu,
        // What a delivery costs the server: comparable even when the generator is the limit.
        serverNsPerDelivery: ((w.serverCpu / 100) * 1e9) / w.deliveriesPerS,
        generatorCpuPct: 100 * w.totals.cpuShare,
        linesPerRead: w.totals.received / Math.max(1, w.totals.reads),
      };
      bestNote = generatorNote(w.sent, w.totals);
    }
    if (bestNote !== null) notes.push(`at the best step ${bestNote}`);
    return { metrics: { ...(best ?? { deliveriesPerS: 0 }), peakRssMB: server.memoryKb().peakKb / 1024 }, notes };
  });
}

/** (C) capacity: 10,000 idle clients; connect time and server memory per client. */
export function capacity(kind: ServerKind, setup: Setup): Promise<Outcome> {
  const clients = setup.quick ? 2_000 : 10_000;
  return withServer(kind, setup, false, async (server, load) => {
    await sleep(500);
    const before = server.memoryKb().rssKb;
    const connected = await load.connect(server.host, server.port, clients, { concurrency: 200, deadlineMs: 50_000 });
    await sleep(3_000); // let the server settle
    const after = server.memoryKb().rssKb;
    const notes = connected.errors > 0 ? [`connect errors: ${connected.errorSamples.join(", ")}`] : [];
    return {
      metrics: {
        joined: connected.joined,
        connectErrors: connected.errors,
        connectS: connected.ms / 1000,
        kbPerClient: (after - before) / Math.max(1, connected.joined),
        rssMB: after / 1024,
      },
      notes,
    };
  });
}

/** (CN) 2,000 clients joining with join notices on: N·(N−1)/2 notices in all. */
export function joinNotices(kind: ServerKind, setup: Setup): Promise<Outcome> {
  const clients = setup.quick ? 500 : 2_000;
  return withServer(kind, setup, true, async (server, load) => {
    const expected = (clients * (clients - 1)) / 2;
    const ticks = server.cpuTicks();
    const started = monotonicUs();
    const connected = await load.connect(server.host, server.port, clients, { concurrency: 200, deadlineMs: 50_000 });
    const totals = await load.until((t) => t.notices >= expected, 30_000, 50);
    const seconds = (monotonicUs() - started) / 1e6;
    return {
      metrics: {
        joined: connected.joined,
        connectS: connected.ms / 1000,
        noticesPct: (100 * totals.notices) / expected,
        allNoticesS: seconds,
        noticesPerS: totals.notices / seconds,
        serverCpuPct: cpuPct(server, ticks, started),
        peakRssMB: server.memoryKb().peakKb / 1024,
      },
      notes: connected.errors > 0 ? [`connect errors: ${connected.errorSamples.join(", ")}`] : [],
    };
  });
}

export const RUNNERS: Record<ScenarioId, (kind: ServerKind, setup: Setup) => Promise<Outcome>> = {
  A: fanOut,
  B: saturation,
  C: capacity,
  CN: joinNotices,
};
