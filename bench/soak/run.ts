/**
 * `npm run soak`: the no-loss promise checked at scale. The server runs as its own process
 * (started like the benchmark's, with join notices on); this process holds the observer and
 * thousands of netcat clients, sends messages and churn for the set time, checks every member's
 * stream against the observer's order, and reports the server's memory from warm-up to the end.
 *
 *   npm run soak                                   # 5,000 clients, 1 minute
 *   npm run soak -- --clients 2000 --minutes 5 --seed 7
 *   npm run soak -- --seconds 20 --rate 200 --churn 10
 *   npm run soak -- --help
 *
 * Progress goes to stderr every ~10 s; the summary to stdout. Exit code 1 on any violation, a
 * missed deadline, or a server that died; 2 on bad arguments.
 */
import { spawn } from "node:child_process";
import { number, parseOptions, refuse } from "../common/options.js";
import { openFileLimits } from "../common/proc.js";
import { reportHeader } from "../common/report-header.js";
import { startServer, type RunningServer } from "../server/servers.js";
import { runSoak, type SoakResult } from "./soak.js";

interface Options {
  clients: number;
  durationMs: number;
  seed: number;
  rate: number;
  churn: number;
  tickMs: number;
}

const COMMAND = {
  name: "soak",
  invocation: "npm run soak --",
  options: {
    clients: number({ help: "members kept in the room, 10 to 15000 (5000)" }),
    minutes: number({ help: "how long the run lasts after the ramp (1)" }),
    seconds: number({ help: "the same in seconds (instead of --minutes)" }),
    seed: number({ arg: "S", help: "seed of the choices of senders and churn (1)" }),
    rate: number({ arg: "MSG_PER_S", help: "messages per second from all members (by the room's size)" }),
    churn: number({ arg: "ACTIONS_PER_S", help: "renames, quits and disconnects per second (by the room's size)" }),
  },
};

function readOptions(): Options {
  const values = parseOptions(COMMAND);
  const usage = (problem: string): never => refuse(COMMAND, problem);
  if (values.minutes !== undefined && values.seconds !== undefined) usage("give --minutes or --seconds, not both");
  const clients = Math.round(values.clients ?? 5_000);
  if (clients < 10 || clients > 15_000) usage("--clients must be between 10 and 15000");
  const durationMs = values.seconds !== undefined ? values.seconds * 1000 : (values.minutes ?? 1) * 60_000;
  if (durationMs < 5_000 || durationMs > 60 * 60_000) usage("the run must last between 5 s and 60 min");
  // Every message reaches every member, and this one process reads all of it: the budget is
  // about 0.5 M message lines a second. The server's budget is writes: each tick's messages
  // and each join, leave or rename notice cost it one write per member, and it manages ~50 k
  // writes a second on a busy 2-core machine; so in a big room, fewer ticks and less churn.
  const rate = values.rate ?? Math.min(1_000, Math.max(20, Math.round(500_000 / clients)));
  const churn = values.churn ?? Math.min(50, Math.max(2, Math.round(12_500 / clients)));
  const tickMs = Math.min(500, Math.max(100, Math.round(clients / 20)));
  return { clients, durationMs, seed: Math.round(values.seed ?? 1), rate, churn, tickMs };
}

/** This process needs a descriptor per client: raise the soft limit (by re-running under bash) if it is too low. */
function ensureDescriptors(needed: number): "ok" | "restarted" {
  const { soft, hard } = openFileLimits();
  if (soft >= needed) return "ok";
  if (hard < needed || process.env.SOAK_LIMIT_RAISED === "1") {
    process.stderr.write(`soak: ${needed} file descriptors needed, the limit is ${soft} (hard ${hard}); try fewer --clients\n`);
    process.exit(2);
  }
  const child = spawn("bash", ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$@"', "bash", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, SOAK_LIMIT_RAISED: "1" },
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
  return "restarted";
}

async function metrics(server: RunningServer): Promise<Map<string, number> | null> {
  try {
    const response = await fetch(`http://${server.host}:${server.wsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const values = new Map<string, number>();
    for (const line of (await response.text()).split("\n")) {
      const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
      if (m !== null) values.set(m[1] as string, Number(m[2]));
    }
    return values;
  } catch {
    return null;
  }
}

interface Sample {
  rssKb: number;
  /** V8 heap in use (GET /metrics, nodejs_heap_used_bytes). */
  heapBytes: number | null;
  members: number | null;
  tasks: number | null;
}

const mib = (kb: number): string => (kb / 1024).toFixed(1);
const thousands = (n: number): string => Math.round(n).toLocaleString("en-US");
const seconds = (ms: number): string => (ms / 1000).toFixed(1);

const signedMib = (kb: number): string => (Number.isNaN(kb) ? "?" : `${kb >= 0 ? "+" : ""}${mib(kb)} MiB`);

interface Tail {
  peakKb: number;
  /** The most heap seen by the samples taken every few seconds. */
  peakHeapBytes: number | null;
  outboxHighWater: number | null;
  drops: string;
  died: boolean;
}

function summary(header: string[], o: Options, r: SoakResult, warm: Sample | null, end: Sample | null, tail: Tail): string {
  const lost = r.messagesSent + 1 - r.messagesAccepted; // +1: the observer's final marker
  const growth = warm !== null && end !== null ? end.rssKb - warm.rssKb : NaN;
  const heap = (s: Sample | null): string => (s?.heapBytes == null ? "?" : `${mib(s.heapBytes / 1024)} MiB`);
  const heapGrowth = warm?.heapBytes != null && end?.heapBytes != null ? (end.heapBytes - warm.heapBytes) / 1024 : NaN;
  const lines = [
    ...header,
    `loopchat soak: ${o.clients} clients, ${seconds(o.durationMs)} s, seed ${o.seed}, ${o.rate} messages/s (every ${o.tickMs} ms), churn ${o.churn} actions/s`,
    `clients        peak ${r.peakInRoom} in the room, ${r.connected} connected in all (the observer not counted)`,
    `churn          joins ${r.joins}, quits ${r.quits}, renames ${r.renames}, vanished ${r.vanished} (${r.vanishedJoining} while joining); dropped by the server ${r.droppedByServer}; join failures ${r.joinFailures}`,
    `messages       sent ${thousands(r.messagesSent)}, accepted ${thousands(r.messagesAccepted - 1)} + the final marker (server says ${r.serverAccepted === null ? "?" : thousands(r.serverAccepted)} in all); ${lost} sent just before a socket.destroy() never arrived (allowed)`,
    `deliveries     ${thousands(r.deliveriesChecked)} checked, in ${r.membersChecked} members' streams`,
    `time           ramp ${seconds(r.rampMs)} s (~${thousands((o.clients * o.clients) / 2)} join notices, ${thousands((o.clients * o.clients) / 2 / r.rampMs)} k/s), run ${seconds(r.runMs)} s, final drain ${seconds(r.drainMs)} s, check ${seconds(r.checkMs)} s`,
    `soak process   CPU ${(r.cpuShare * 100).toFixed(0)} % of a core during the run, event-loop delay p99 ${r.lagP99Ms.toFixed(0)} ms (max ${r.lagMaxMs.toFixed(0)} ms), ${thousands(r.linesRead)} lines read`,
    `server RSS     warm ${warm === null ? "?" : mib(warm.rssKb)} MiB -> end ${end === null ? "?" : mib(end.rssKb)} MiB (${signedMib(growth)}), peak ${mib(tail.peakKb)} MiB (/proc: VmRSS, VmHWM)`,
    `server heap    warm ${heap(warm)} -> end ${heap(end)} (${signedMib(heapGrowth)}), peak ${tail.peakHeapBytes === null ? "?" : `${mib(tail.peakHeapBytes / 1024)} MiB`} (/metrics every 5 s: nodejs_heap_used_bytes)`,
    `server state   members warm ${warm?.members ?? "?"} -> end ${end?.members ?? "?"}, loop tasks warm ${warm?.tasks ?? "?"} -> end ${end?.tasks ?? "?"}, largest outbox ${tail.outboxHighWater ?? "?"} lines, drops ${tail.drops}${tail.died ? "; THE SERVER DIED" : ""}`,
  ];
  for (const why of r.incomplete) lines.push(`incomplete     ${why}`);
  lines.push(`violations     ${r.violations.length}`);
  for (const v of r.violations.slice(0, 50)) lines.push(`  ${v.who} ${v.kind}: ${v.detail}`);
  if (r.violations.length > 50) lines.push(`  … and ${r.violations.length - 50} more`);
  return lines.join("\n") + "\n";
}

async function main(): Promise<number> {
  const options = readOptions();
  if (ensureDescriptors(options.clients + 1_000) === "restarted") return -1;
  const header = reportHeader();
  const server = await startServer("loopchat", { core: null, joinNotices: true });
  let died = false;
  const alive = (): boolean => {
    if (Number.isNaN(server.memoryKb().rssKb)) died = true;
    return !died;
  };
  let peakHeapBytes: number | null = null;
  const heapOf = (m: Map<string, number> | null): number | null => {
    const heap = m?.get("nodejs_heap_used_bytes") ?? null;
    if (heap !== null) peakHeapBytes = Math.max(peakHeapBytes ?? 0, heap);
    return heap;
  };
  const sample = async (): Promise<Sample> => {
    const m = await metrics(server);
    return { rssKb: server.memoryKb().rssKb, heapBytes: heapOf(m), members: m?.get("loopchat_members") ?? null, tasks: m?.get("loopchat_loop_tasks") ?? null };
  };
  let heapNow: number | null = null;
  let polling = false;
  const heapPoll = setInterval(() => {
    if (polling) return;
    polling = true;
    void metrics(server)
      .then((m) => (heapNow = heapOf(m) ?? heapNow))
      .finally(() => (polling = false));
  }, 5_000);
  let warm: Sample | null = null;
  let end: Sample | null = null;
  let last: Map<string, number> | null = null;
  try {
    process.stderr.write(
      `[soak] ${options.clients} clients, ${seconds(options.durationMs)} s, seed ${options.seed}, ${options.rate} messages/s, churn ${options.churn}/s; server pid ${server.pid} on port ${server.port}\n`,
    );
    const result = await runSoak({
      host: server.host,
      port: server.port,
      clients: options.clients,
      durationMs: options.durationMs,
      seed: options.seed,
      messagesPerSecond: options.rate,
      churnPerSecond: options.churn,
      tickMs: options.tickMs,
      log: (line) => process.stderr.write(`${line}\n`),
      status: () => `server RSS ${mib(server.memoryKb().rssKb)} MiB${heapNow === null ? "" : `, heap ${mib(heapNow / 1024)} MiB`}`,
      sample: async (phase) => {
        if (phase === "warm") warm = await sample();
        else end = await sample();
      },
      serverAccepted: async () => (await metrics(server))?.get("loopchat_messages_in_total") ?? null,
      serverAlive: alive,
    });
    clearInterval(heapPoll);
    alive();
    const peakKb = server.memoryKb().peakKb;
    last = await metrics(server);
    heapOf(last);
    const drops = [...(last ?? new Map<string, number>())].filter(([k]) => k.startsWith("loopchat_drops_total")).map(([k, v]) => `${k.replace(/^[^{]*/, "")} ${v}`);
    const tail: Tail = { peakKb, peakHeapBytes, outboxHighWater: last?.get("loopchat_outbox_high_water_lines") ?? null, drops: drops.length === 0 ? "none" : drops.join(", "), died };
    process.stdout.write(summary(header, options, result, warm, end, tail));
    return result.violations.length > 0 || result.incomplete.length > 0 || died ? 1 : 0;
  } finally {
    clearInterval(heapPoll);
    await server.stop();
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
