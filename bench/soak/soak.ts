/**
 * The soak itself, against a server already running at host:port (a child process for
 * `npm run soak`, in-process for the small run in `npm test`):
 *
 *   1. the observer joins, then `clients` clients join, `connectConcurrency` at a time;
 *   2. for `durationMs`: every tick, messages at `messagesPerSecond` in total (short bursts from
 *      random members), and churn at `churnPerSecond` (`/nick`, `/quit`, `socket.destroy()`),
 *      with fresh clients joining to keep the room at `clients`;
 *   3. the end: no more sending or churn; pending joins land, quitters' connections close, the
 *      observer sends a final marker and every member still in the room must receive it;
 *   4. the check (`checker.ts`) of every member ever connected against the observer's order.
 *
 * Every wait has a deadline; a deadline missed is reported, and the check then says what is
 * missing. Randomness comes from `seed` (the timing of the machine still varies between runs).
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { sleep } from "../common/sleep.js";
import { Waiters } from "../common/waiters.js";
import { check, type CheckReport } from "./checker.js";
import { Observer, readStats, SoakClient, type ClientEvents } from "./clients.js";
import { renamed, type Violation } from "./order.js";
import { idText } from "./tally.js";

export interface SoakOptions {
  host: string;
  port: number;
  /** Members to keep in the room (besides the observer). */
  clients: number;
  durationMs: number;
  seed: number;
  /** Messages per second, from all members together. */
  messagesPerSecond: number;
  /** Renames, quits and abrupt disconnects per second, together (each leaver is replaced by a fresh join). */
  churnPerSecond: number;
  /** How often messages and churn are sent (all of a tick's in one turn, so the server can batch them). */
  tickMs?: number;
  /** Joins in flight at once. */
  connectConcurrency?: number;
  rampDeadlineMs?: number;
  /** For the final marker to reach everyone. */
  drainDeadlineMs?: number;
  /** When, as a share of the run, the "warm" sample is taken. */
  warmFraction?: number;
  progressEveryMs?: number;
  /** Where progress lines go (one line each, no newline). */
  log?: (line: string) => void;
  /** Called at warm-up end and at the end (after the drain, before the check), e.g. to read the server's memory. */
  sample?: (phase: "warm" | "end") => Promise<void>;
  /** More for the progress lines (e.g. the server's RSS). */
  status?: () => string;
  /** How many messages the server says it accepted (GET /metrics), to compare with the observer's count. */
  serverAccepted?: () => Promise<number | null>;
  /** False once the server process has died. */
  serverAlive?: () => boolean;
}

export interface SoakResult {
  /** Most members in the room at once (observer not counted). */
  peakInRoom: number;
  /** Clients that connected, ramp and churn together (observer not counted). */
  connected: number;
  /** Fresh clients that joined during the run (after the ramp). */
  joins: number;
  quits: number;
  renames: number;
  vanished: number;
  /** Of those, destroyed while still joining. */
  vanishedJoining: number;
  /** Clients refused or closed before their welcome (that we did not destroy). */
  joinFailures: number;
  messagesSent: number;
  /** Messages in the observer's order up to the final marker (the marker included). */
  messagesAccepted: number;
  /** The server's own count (null when unknown). */
  serverAccepted: number | null;
  deliveriesChecked: number;
  membersChecked: number;
  droppedByServer: number;
  /** Lines read by soak clients in the room, notices included. */
  linesRead: number;
  rampMs: number;
  runMs: number;
  drainMs: number;
  checkMs: number;
  /** CPU of this process during the run, as a share of one core. */
  cpuShare: number;
  /** This process's event-loop delay during the run. */
  lagP99Ms: number;
  lagMaxMs: number;
  /** Deadlines missed and other reasons the run is not complete. */
  incomplete: string[];
  violations: Violation[];
}

/** mulberry32: a small seeded generator, [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const now = (): number => performance.now();
const round = (x: number): string => String(Math.round(x));

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { host, port, clients: target, durationMs, messagesPerSecond, churnPerSecond } = options;
  const tickMs = options.tickMs ?? 100;
  const concurrency = options.connectConcurrency ?? 100;
  // Every join is a notice to everyone present: the ramp costs the server target²/2 writes, at
  // about 50 k a second on a busy 2-core machine. 40 µs each leaves room.
  const rampDeadlineMs = options.rampDeadlineMs ?? 60_000 + (target * target * 0.04) / 2;
  const drainDeadlineMs = options.drainDeadlineMs ?? 60_000;
  const progressEveryMs = options.progressEveryMs ?? 10_000;
  const log = options.log ?? (() => {});
  const random = seeded(options.seed);

  const all: SoakClient[] = [];
  const inRoom: SoakClient[] = [];
  let joining = 0;
  let quittersOpen = 0;
  let awaitingMarker = 0;
  let phase: "ramp" | "run" | "end" = "ramp";
  /** "Wait until this holds", checked again whenever a client reports something. */
  const conditions = new Waiters();
  const incomplete: string[] = [];
  const extra: Violation[] = [];
  const counts = { joins: 0, quits: 0, renames: 0, vanished: 0, vanishedJoining: 0, joinFailures: 0, sent: 0, peak: 0 };
  const failureSamples = new Set<string>();

  const enter = (c: SoakClient): void => {
    c.slot = inRoom.length;
    inRoom.push(c);
    if (inRoom.length > counts.peak) counts.peak = inRoom.length;
  };
  const leave = (c: SoakClient): void => {
    if (c.slot < 0) return;
    const last = inRoom.pop() as SoakClient;
    if (last !== c) {
      inRoom[c.slot] = last;
      last.slot = c.slot;
    }
    c.slot = -1;
  };
  const topUp = (): void => {
    if (phase === "end") return;
    while (joining < concurrency && inRoom.length + joining < target) open();
  };
  const events: ClientEvents = {
    welcomed: (c) => {
      joining--;
      enter(c);
      topUp();
      conditions.notify();
    },
    closed: (c) => {
      if (!c.welcomed) {
        joining--;
        if (c.how !== "vanished") {
          counts.joinFailures++;
          if (failureSamples.size < 5) failureSamples.add(c.refused ?? c.error ?? "closed before its welcome");
        }
        topUp();
      } else {
        leave(c);
        if (c.how === "quit") quittersOpen--;
      }
      if (c.awaitingMarker) {
        c.awaitingMarker = false;
        awaitingMarker--;
      }
      conditions.notify();
    },
    marker: (c) => {
      c.awaitingMarker = false;
      awaitingMarker--;
      conditions.notify();
    },
  };
  function open(): void {
    const c = new SoakClient(all.length + 1, host, port, events);
    all.push(c);
    joining++;
    if (phase === "run") counts.joins++;
  }
  const pick = (): SoakClient | undefined => inRoom[Math.floor(random() * inRoom.length)];

  // Churn: the first three actions are one of each kind, then weighted at random.
  let actions = 0;
  const churn = (): void => {
    const roll = actions < 3 ? [0.1, 0.5, 0.8][actions] as number : random();
    actions++;
    if (roll < 0.4) {
      const c = pick();
      if (c === undefined) return;
      c.renames++;
      c.write(`/nick ${renamed(c.index, c.renames)}\r\n`);
      counts.renames++;
      if (random() < 0.3) {
        c.say(1); // under its new name
        counts.sent++;
      }
    } else if (roll < 0.7) {
      const c = pick();
      if (c === undefined) return;
      leave(c);
      c.how = "quit";
      quittersOpen++;
      counts.quits++;
      if (random() < 0.5) {
        const n = 1 + Math.floor(random() * 3);
        c.say(n); // its last words must reach everyone, itself included
        counts.sent += n;
      }
      c.write(random() < 0.5 ? "/quit\r\n" : "/quit soak says bye\r\n");
    } else {
      // Now and then a client still joining (its name may or may not have reached the server).
      let c: SoakClient | undefined;
      if (random() < 0.1) {
        for (let i = all.length - 1; i >= Math.max(0, all.length - 200) && c === undefined; i--) {
          const candidate = all[i] as SoakClient;
          if (!candidate.welcomed && !candidate.closed && candidate.how === "stayed") c = candidate;
        }
        if (c !== undefined) counts.vanishedJoining++;
      }
      c ??= pick();
      if (c === undefined) return;
      leave(c);
      c.how = "vanished";
      counts.vanished++;
      if (c.welcomed && random() < 0.4) {
        const n = 1 + Math.floor(random() * 3);
        c.say(n); // may or may not reach the server before the socket dies
        counts.sent += n;
      }
      c.destroy();
    }
  };

  const runLag = monitorEventLoopDelay({ resolution: 10 });
  const windowLag = monitorEventLoopDelay({ resolution: 10 });
  runLag.enable();
  windowLag.enable();
  let observer: Observer | undefined;
  const started = now();
  let runStarted = started;
  let rampMs = 0;
  let runMs = 0;
  let drainMs = 0;
  let cpuShare = 0;
  const linesAtStart = readStats.lines;
  let lastProgress = { at: started, lines: readStats.lines };
  const progress = setInterval(() => {
    const t = now();
    const rate = ((readStats.lines - lastProgress.lines) * 1000) / (t - lastProgress.at);
    lastProgress = { at: t, lines: readStats.lines };
    const lag = windowLag.percentile(99) / 1e6;
    windowLag.reset();
    const where = phase === "ramp" ? `ramp ${round((t - started) / 1000)} s` : phase === "run" ? `run ${round((t - runStarted) / 1000)}/${round(durationMs / 1000)} s` : "end";
    const status = options.status?.() ?? "";
    log(
      `[soak] ${where}: ${inRoom.length} in room, ${joining} joining; joins ${counts.joins}, quits ${counts.quits}, renames ${counts.renames}, vanished ${counts.vanished}; ` +
        `sent ${counts.sent}, order ${observer?.order.messages ?? 0}; client lines ${(rate / 1000).toFixed(0)} k/s, lag p99 ${lag.toFixed(0)} ms${status === "" ? "" : `; ${status}`}`,
    );
  }, progressEveryMs);

  try {
    observer = await Observer.join(host, port, () => conditions.notify(), 30_000);
    const obs = observer;

    // 1. The ramp.
    topUp();
    const ramped = await conditions.holds(() => inRoom.length >= target || counts.joinFailures > 100, rampDeadlineMs);
    rampMs = now() - started;
    if (!ramped || inRoom.length < target) {
      incomplete.push(`the ramp ended with ${inRoom.length} of ${target} in the room after ${round(rampMs / 1000)} s (${counts.joinFailures} join failures: ${[...failureSamples].join(" | ")})`);
    }

    // 2. The run.
    phase = "run";
    runStarted = now();
    const cpuAtStart = process.cpuUsage();
    runLag.reset();
    const warmAt = runStarted + durationMs * (options.warmFraction ?? 0.2);
    let warmed = false;
    let lastTick = runStarted;
    let messageCredit = 0;
    let churnCredit = 0;
    while (now() - runStarted < durationMs) {
      await sleep(tickMs);
      if (options.serverAlive?.() === false) {
        extra.push({ who: "server", kind: "server-died", detail: `the server process died ${round((now() - runStarted) / 1000)} s into the run` });
        break;
      }
      const t = now();
      const dt = Math.min(t - lastTick, 1_000); // after a stall, no flood to catch up
      lastTick = t;
      messageCredit += (messagesPerSecond * dt) / 1000;
      churnCredit += (churnPerSecond * dt) / 1000;
      for (let n = Math.floor(messageCredit); n > 0 && inRoom.length > 0; ) {
        const burst = Math.min(n, 1 + Math.floor(random() * 3));
        (pick() as SoakClient).say(burst);
        counts.sent += burst;
        messageCredit -= burst;
        n -= burst;
      }
      for (; churnCredit >= 1; churnCredit--) churn();
      topUp();
      if (!warmed && t >= warmAt) {
        warmed = true;
        await options.sample?.("warm");
      }
    }
    runMs = now() - runStarted;
    const cpu = process.cpuUsage(cpuAtStart);
    cpuShare = (cpu.user + cpu.system) / 1000 / runMs;
    if (!warmed) await options.sample?.("warm");

    // 3. The end.
    phase = "end";
    const endDeadline = (what: string, ok: boolean, ms: number): void => {
      if (!ok) incomplete.push(`${what} not done within ${round(ms / 1000)} s`);
    };
    endDeadline(`${joining} pending join(s)`, await conditions.holds(() => joining === 0, 60_000), 60_000);
    endDeadline(`${quittersOpen} quitter(s) closing`, await conditions.holds(() => quittersOpen === 0, 60_000), 60_000);
    for (const c of inRoom) c.awaitingMarker = !c.gotMarker;
    awaitingMarker = inRoom.filter((c) => c.awaitingMarker).length;
    const markerAt = now();
    obs.send(idText(0, 0));
    const drained = await conditions.holds(() => obs.order.has(0, 0) && awaitingMarker === 0, drainDeadlineMs);
    drainMs = now() - markerAt;
    endDeadline(`the final marker reaching the observer and ${awaitingMarker} member(s)`, drained, drainDeadlineMs);

    let serverAccepted: number | null = null;
    if (options.serverAccepted !== undefined) {
      serverAccepted = await options.serverAccepted();
      const expected = serverAccepted;
      if (expected !== null && !(await conditions.holds(() => obs.order.messages >= expected, 10_000))) {
        extra.push({ who: "observer", kind: "observer-missed", detail: `the server accepted ${expected} messages, the observer saw ${obs.order.messages}` });
      }
    }
    await options.sample?.("end");

    // 4. The check: the order up to (and with) the marker.
    const checkStarted = now();
    let end = obs.order.messages;
    for (let i = 0; i < obs.order.messages; i++) {
      if (obs.order.senders[i] === 0) {
        end = i + 1;
        break;
      }
    }
    const report: CheckReport = check(obs.order, all, end);
    if (obs.closed) extra.push({ who: "observer", kind: "observer-closed", detail: "the observer's connection closed during the run" });
    if (obs.order.shutdownSeen || all.some((c) => c.shutdownNotice)) extra.push({ who: "server", kind: "shutdown", detail: "the server announced a shutdown during the run" });
    if (serverAccepted !== null && serverAccepted !== obs.order.messages) {
      extra.push({ who: "server", kind: "accepted-count", detail: `GET /metrics says ${serverAccepted} messages accepted, the observer's order has ${obs.order.messages}` });
    }
    for (const c of all) {
      if (c.how === "stayed" && c.welcomed && c.error !== null) extra.push({ who: `c${c.index}`, kind: "socket-error", detail: `a socket error on a member we left alone: ${c.error}` });
    }
    const checkMs = now() - checkStarted;
    return {
      peakInRoom: counts.peak,
      connected: all.length,
      joins: counts.joins,
      quits: counts.quits,
      renames: counts.renames,
      vanished: counts.vanished,
      vanishedJoining: counts.vanishedJoining,
      joinFailures: counts.joinFailures,
      messagesSent: counts.sent,
      messagesAccepted: end,
      serverAccepted,
      deliveriesChecked: report.deliveriesChecked,
      membersChecked: report.membersChecked,
      droppedByServer: report.dropped,
      linesRead: readStats.lines - linesAtStart,
      rampMs,
      runMs,
      drainMs,
      checkMs,
      cpuShare,
      lagP99Ms: runLag.percentile(99) / 1e6,
      lagMaxMs: runLag.max / 1e6,
      incomplete,
      violations: [...report.violations, ...extra],
    };
  } finally {
    clearInterval(progress);
    runLag.disable();
    windowLag.disable();
    phase = "end";
    for (const c of all) c.destroy();
    observer?.close();
  }
}
