/**
 * Scenario 2, responsiveness (the lecture's warning about cooperative scheduling: one CPU-heavy
 * coroutine blocks everyone). `smallClients` ask fib(smallN) in a closed loop while
 * `largeClients` ask fib(largeN) over and over; we measure the small requests' latency.
 *
 * One server per version. First every connection is answered once (in v1 a thread per client
 * must start), then we wait for the server to go idle (from source, v1's fresh threads keep both
 * cores busy for seconds after their first answer), then small requests run for a moment
 * uncounted. Then a "quiet" phase with the small clients alone, and the "loaded" phase with the
 * large clients added. v3 --inline-max 99 gets no quiet phase: without large requests it runs
 * exactly v3's code (n=10 is computed in the loop by both).
 */
import { openMany, type FibClient } from "./clients.js";
import { closedLoop, LoadRecord, warmUp } from "./load.js";
import { machineState, ownCpuPct, settle, snapshot, summarize, type LatencySummary, type MachineState } from "./measure.js";
import { startFibServer, type FibServer, type StopResult, type Version } from "./servers.js";
import { clockTicksPerSecond } from "../common/proc.js";

export interface LatencyOptions {
  /** Run the servers compiled from this directory (build.ts), or from source with tsx (null). */
  compiledDir: string | null;
  smallClients: number;
  largeClients: number;
  smallN: number;
  largeN: number;
  /** After the first answers, how long we wait at most for the server to go idle (see `settle`). */
  settleMaxMs: number;
  /** Then small requests for this long, not counted, so that the request path is optimised everywhere. */
  warmMs: number;
  quietMs: number;
  loadedMs: number;
  procs: number;
  warmupTimeoutMs: number;
  askTimeoutMs: number;
}

export interface PhaseResult {
  phase: "warm" | "quiet" | "loaded";
  seconds: number;
  small: LatencySummary;
  smallPerSec: number;
  largeDone: number;
  largeMedianMs: number;
  wrong: number;
  failed: number;
  firstFailure: string | null;
  /** CPU of the server's process tree over the window, % of one core. */
  serverCpuPct: number;
  /** CPU of this benchmark process (the clients) over the window, % of one core. */
  benchCpuPct: number;
}

export interface LatencyResult {
  version: Version;
  commandLine: string;
  before: MachineState;
  /** Time until every connection had its first answer, ms. */
  warmupMs: number;
  /** Then the time until the server was idle (at most settleMaxMs), ms. */
  settleMs: number;
  settled: boolean;
  phases: PhaseResult[];
  stop: StopResult | null;
  error?: string;
}

const TICKS = clockTicksPerSecond();

async function phase(server: FibServer, name: PhaseResult["phase"], ms: number, small: readonly FibClient[], large: readonly FibClient[], options: LatencyOptions): Promise<PhaseResult> {
  const smallRecord = new LoadRecord();
  const largeRecord = new LoadRecord();
  const cpu0 = snapshot(server.pid).cpuTicks;
  const own0 = process.cpuUsage();
  const start = performance.now();
  const endAt = start + ms;
  // CPU is read when the window ends, not after the last answers drain.
  const atEnd = new Promise<{ cpu: number; ownPct: number }>((resolve) =>
    setTimeout(() => resolve({ cpu: snapshot(server.pid).cpuTicks, ownPct: ownCpuPct(own0, performance.now() - start) }), endAt - start),
  );
  await Promise.all([
    ...small.map((client) => closedLoop(client, options.smallN, endAt, options.askTimeoutMs, smallRecord)),
    ...large.map((client) => closedLoop(client, options.largeN, endAt, options.askTimeoutMs, largeRecord)),
  ]);
  const end = await atEnd;
  const seconds = (endAt - start) / 1000;
  const largeMs = largeRecord.latencies().sort((a, b) => a - b);
  return {
    phase: name,
    seconds,
    small: summarize(smallRecord.latencies()),
    smallPerSec: smallRecord.answeredBetween(start, endAt) / seconds,
    largeDone: largeRecord.answered,
    largeMedianMs: largeMs[largeMs.length >> 1] ?? NaN,
    wrong: smallRecord.wrong + largeRecord.wrong,
    failed: smallRecord.failed + largeRecord.failed,
    firstFailure: smallRecord.firstFailure ?? largeRecord.firstFailure,
    serverCpuPct: (100 * (end.cpu - cpu0)) / TICKS / seconds,
    benchCpuPct: end.ownPct,
  };
}

export async function responsiveness(version: Version, options: LatencyOptions): Promise<LatencyResult> {
  const before = await machineState();
  let server: FibServer | null = null;
  const clients: FibClient[] = [];
  const result: LatencyResult = { version, commandLine: "", before, warmupMs: NaN, settleMs: NaN, settled: false, phases: [], stop: null };
  try {
    server = await startFibServer(version, { cpus: null, procs: options.procs, startTimeoutMs: 60_000, compiledDir: options.compiledDir });
    result.commandLine = server.commandLine;
    const small = await openMany(server.host, server.port, options.smallClients, 10_000);
    const large = await openMany(server.host, server.port, options.largeClients, 10_000);
    clients.push(...small.clients, ...large.clients);
    const failedConnect = small.error ?? large.error;
    if (failedConnect !== null) throw failedConnect;
    result.warmupMs = await warmUp(clients, options.smallN, options.warmupTimeoutMs);
    const settled = await settle(server.pid, options.settleMaxMs);
    result.settleMs = settled.ms;
    result.settled = settled.idle;
    if (options.warmMs > 0) await phase(server, "warm", options.warmMs, small.clients, [], options);
    if (options.quietMs > 0 && version !== "v3-inline") result.phases.push(await phase(server, "quiet", options.quietMs, small.clients, [], options));
    result.phases.push(await phase(server, "loaded", options.loadedMs, small.clients, large.clients, options));
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    for (const client of clients) client.destroy();
    if (server !== null) result.stop = await server.stop();
  }
  return result;
}
