/**
 * Scenario 1, "many clients" (the lecture on Version #1: "Can't serve many users at the same
 * time"): a fresh server, idle connections opened in batches until something gives.
 *
 * Batches grow 10, 20, 40, ... up to `batch` connections (so a server that gives up early is
 * still measured finely). After each batch the server must answer n=10 on the newest of those
 * connections and on a fresh probe connection, each within `deadlineMs`. It stops at the first
 * of: the cap, a failed connect, a missed deadline, a connection closed by the server, the server
 * exiting, its RSS (whole process tree) passing `rssBoundKb`, or `timeLimitMs`. RSS, exit and
 * the time limit are also watched while a batch connects and while we wait for answers.
 */
import { FibClient, openMany } from "./clients.js";
import { sleep } from "../common/sleep.js";
import { machineState, snapshot, type MachineState, type TreeSnapshot } from "./measure.js";
import { startFibServer, type FibServer, type StopResult, type Version } from "./servers.js";

export interface ManyOptions {
  /** Run the servers compiled from this directory (build.ts), or from source with tsx (null). */
  compiledDir: string | null;
  cap: number;
  batch: number;
  rssBoundKb: number;
  timeLimitMs: number;
  deadlineMs: number;
  connectTimeoutMs: number;
  /** v2's --procs. */
  procs: number;
}

export interface ManyResult {
  version: Version;
  commandLine: string;
  before: MachineState;
  /** The tree with no client connected. */
  empty: TreeSnapshot;
  /** Connections open after the last batch that passed both checks. */
  held: number;
  /** The tree right after that batch passed (null if none did). */
  atHeld: TreeSnapshot | null;
  /** How long the fresh probe connection took to answer after that batch, ms. */
  probeMs: number;
  /** Connections we had open when it stopped (including the batch that failed). */
  openAtStop: number;
  atStop: TreeSnapshot;
  stoppedBecause: string;
  seconds: number;
  wrongAnswers: number;
  stop: StopResult | null;
  /** Set when the server could not be started at all. */
  error?: string;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

type Watched<T> = { value: T } | { stop: string };

/** Waits for `work`, but gives up as soon as `guard` has a reason to stop (checked every 200 ms). */
async function watched<T>(work: Promise<T>, guard: () => string | null): Promise<Watched<T>> {
  work.catch(() => {}); // if we give up on it, its later failure is nobody's business
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<Watched<T>>((resolve) => {
    const check = () => {
      const why = guard();
      if (why !== null) resolve({ stop: why });
      else timer = setTimeout(check, 200);
    };
    check();
  });
  try {
    return await Promise.race([work.then((value) => ({ value }), (error: unknown) => ({ stop: describe(error) })), stopped]);
  } finally {
    clearTimeout(timer);
  }
}

export async function manyClients(version: Version, options: ManyOptions): Promise<ManyResult> {
  const before = await machineState();
  let server: FibServer;
  try {
    server = await startFibServer(version, { cpus: null, procs: options.procs, startTimeoutMs: 60_000, compiledDir: options.compiledDir });
  } catch (error) {
    const none = snapshot(-1);
    return { version, commandLine: "", before, empty: none, held: 0, atHeld: null, probeMs: NaN, openAtStop: 0, atStop: none, stoppedBecause: "did not start", seconds: 0, wrongAnswers: 0, stop: null, error: describe(error) };
  }
  await sleep(500); // let start-up garbage settle before the zero-client reading
  const empty = snapshot(server.pid);
  const start = performance.now();
  const endAt = start + options.timeLimitMs;
  const boundMiB = Math.round(options.rssBoundKb / 1024);

  const guard = (): string | null => {
    const exit = server.exit();
    if (exit !== null) return `server ${exit}`;
    if (snapshot(server.pid).rssKb > options.rssBoundKb) return `RSS passed ${boundMiB} MiB`;
    if (performance.now() > endAt) return `time limit (${options.timeLimitMs / 1000} s)`;
    return null;
  };
  const askWithin = (client: FibClient): Promise<number> =>
    client.ask(10, options.deadlineMs).then((answer) => {
      if (!answer.correct) wrongAnswers++;
      return answer.ms;
    });

  const clients: FibClient[] = [];
  let wrongAnswers = 0;
  let held = 0;
  let atHeld: TreeSnapshot | null = null;
  let probeMs = NaN;
  let stoppedBecause = `reached the cap (${options.cap})`;
  let size = Math.min(10, options.batch);

  try {
    while (clients.length < options.cap) {
      const count = Math.min(size, options.cap - clients.length);
      const opened = await watched(openMany(server.host, server.port, count, options.connectTimeoutMs), guard);
      if ("stop" in opened) {
        stoppedBecause = `${opened.stop} (while connecting)`;
        break;
      }
      clients.push(...opened.value.clients);
      if (opened.value.error !== null) {
        stoppedBecause = `connect failed: ${opened.value.error.message}`;
        break;
      }

      const newest = opened.value.clients[opened.value.clients.length - 1] as FibClient;
      const onNewest = await watched(askWithin(newest), guard);
      if ("stop" in onNewest) {
        stoppedBecause = `${onNewest.stop} (on the newest connection)`;
        break;
      }
      const probe = await watched(
        FibClient.open(server.host, server.port, options.connectTimeoutMs).then(async (client) => {
          try {
            return await askWithin(client);
          } finally {
            client.destroy();
          }
        }),
        guard,
      );
      if ("stop" in probe) {
        stoppedBecause = `${probe.stop} (probe on a fresh connection)`;
        break;
      }
      const closed = clients.filter((c) => c.closedByServer).length;
      if (closed > 0) {
        stoppedBecause = `the server closed ${closed} idle connection${closed === 1 ? "" : "s"}`;
        break;
      }
      held = clients.length;
      atHeld = snapshot(server.pid);
      probeMs = probe.value;
      const why = guard();
      if (why !== null) {
        stoppedBecause = why;
        break;
      }
      size = Math.min(size * 2, options.batch);
    }
  } catch (error) {
    stoppedBecause = `error: ${describe(error)}`;
  }
  const seconds = (performance.now() - start) / 1000;
  const atStop = snapshot(server.pid);
  const openAtStop = clients.filter((c) => c.open).length;
  for (const client of clients) client.destroy();
  const stop = await server.stop();
  return { version, commandLine: server.commandLine, before, empty, held, atHeld, probeMs, openAtStop, atStop, stoppedBecause, seconds, wrongAnswers, stop };
}
