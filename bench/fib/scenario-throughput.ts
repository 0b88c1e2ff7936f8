/**
 * Scenario 3, CPU-bound throughput (the lecture's GIL section: do more cores help?): `clients`
 * ask fib(n) in a closed loop for `windowMs`, with the server pinned by taskset to one core and
 * then to two. v2 gets `--procs` = the cores it is pinned to. v3's pool sizes itself (the number
 * of cores Node sees, at most 4), so we count the threads it actually started.
 *
 * Worker threads and processes are counted from /proc: the server's threads before any client
 * connected, the most seen during the window, and the number of processes in its tree.
 */
import { openMany, type FibClient } from "./clients.js";
import { closedLoop, LoadRecord, warmUp } from "./load.js";
import { machineState, settle, snapshot, TreeSampler, type MachineState } from "./measure.js";
import { startFibServer, type FibServer, type StopResult, type Version } from "./servers.js";
import { clockTicksPerSecond } from "../common/proc.js";

export interface ThroughputOptions {
  /** Run the servers compiled from this directory (build.ts), or from source with tsx (null). */
  compiledDir: string | null;
  n: number;
  clients: number;
  windowMs: number;
  warmupTimeoutMs: number;
  askTimeoutMs: number;
  /** After the first answers, how long we wait at most for the server to go idle (see `settle`). */
  settleMaxMs: number;
}

export interface ThroughputResult {
  version: Version;
  /** taskset -c list, or null when not pinned. */
  cpus: string | null;
  cores: number;
  commandLine: string;
  before: MachineState;
  answered: number;
  reqPerSec: number;
  /** Server tree CPU over the window, % of one core. */
  serverCpuPct: number;
  /** Threads of the main process with no client connected, and the most seen during the window. */
  idleThreads: number;
  maxThreads: number;
  /** Processes in the server's tree during the window (main + children). */
  maxProcesses: number;
  /** Time waited for the server to go idle after the first answers, ms, and whether it did. */
  settleMs: number;
  settled: boolean;
  wrong: number;
  failed: number;
  firstFailure: string | null;
  stop: StopResult | null;
  error?: string;
}

const TICKS = clockTicksPerSecond();

export async function throughput(version: Version, cpus: string | null, cores: number, options: ThroughputOptions): Promise<ThroughputResult> {
  const before = await machineState();
  const result: ThroughputResult = {
    version, cpus, cores, commandLine: "", before, answered: 0, reqPerSec: NaN, serverCpuPct: NaN,
    idleThreads: NaN, maxThreads: NaN, maxProcesses: NaN, settleMs: NaN, settled: false, wrong: 0, failed: 0, firstFailure: null, stop: null,
  };
  let server: FibServer | null = null;
  const clients: FibClient[] = [];
  try {
    server = await startFibServer(version, { cpus, procs: cores, startTimeoutMs: 60_000, compiledDir: options.compiledDir });
    result.commandLine = server.commandLine;
    result.idleThreads = snapshot(server.pid).main?.threads ?? NaN;
    const opened = await openMany(server.host, server.port, options.clients, 10_000);
    clients.push(...opened.clients);
    if (opened.error !== null) throw opened.error;
    await warmUp(clients, options.n, options.warmupTimeoutMs);
    const settled = await settle(server.pid, options.settleMaxMs);
    result.settleMs = settled.ms;
    result.settled = settled.idle;

    const pid = server.pid;
    const sampler = new TreeSampler(pid).start();
    const record = new LoadRecord();
    const cpu0 = snapshot(pid).cpuTicks;
    const start = performance.now();
    const endAt = start + options.windowMs;
    const cpuAtEnd = new Promise<number>((resolve) => setTimeout(() => resolve(snapshot(pid).cpuTicks), options.windowMs));
    await Promise.all(clients.map((client) => closedLoop(client, options.n, endAt, options.askTimeoutMs, record)));
    const cpu1 = await cpuAtEnd;
    sampler.stop();
    const seconds = options.windowMs / 1000;
    result.answered = record.answeredBetween(start, endAt);
    result.reqPerSec = result.answered / seconds;
    result.serverCpuPct = (100 * (cpu1 - cpu0)) / TICKS / seconds;
    result.maxThreads = sampler.maxThreads;
    result.maxProcesses = sampler.maxProcesses;
    result.wrong = record.wrong;
    result.failed = record.failed;
    result.firstFailure = record.firstFailure;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    for (const client of clients) client.destroy();
    if (server !== null) result.stop = await server.stop();
  }
  return result;
}
