/**
 * The well-behaved pair, in its own process so the attackers' work in the driver cannot delay
 * it: alice says `ping <n>` every 50 ms (or as often as the driver says) and bob must hear each
 * one, in order. Latency is bob's receive time minus alice's send time (one process, one clock).
 * The driver talks to it over IPC (see `PairRequest` / `PairReply`); started as
 * `node --import tsx bench/attacks/pair.ts <port> [<ping interval ms>]`.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { percentile } from "../common/percentile.js";
import { sleep } from "../common/sleep.js";
import { Member, until } from "./wire.js";

/** What the driver asks. */
export type PairRequest = { type: "window-start" } | { type: "window-end" } | { type: "finish" };

/** Latency and loss over one window (the messages sent between window-start and window-end). */
export interface WindowStats {
  sent: number;
  received: number;
  /** Not received within the drain deadline after the window ended. */
  missing: number;
  p50: number;
  p99: number;
  max: number;
  /** The pair process's own worst event-loop delay in the window, ms (a slow pair, not a slow server). */
  ownLagMax: number;
  /** The slowest pings: when each was sent (ms after the window started) and its latency. */
  worst: { atMs: number; latencyMs: number }[];
}

/** The whole run, checked at the end. */
export interface FinalStats {
  sent: number;
  received: number;
  missing: number;
  /** A ping that arrived after a later one, or twice. */
  outOfOrder: number;
  /** alice or bob was disconnected. */
  disconnected: string | null;
  /** The longest line bob received (bytes). */
  longestLine: number;
  /** Lines bob received holding "yyyyyyyy" (the long-line attack's bytes must never reach anyone). */
  leakedLines: number;
  /** Everything bob received, bytes. */
  bobBytes: number;
}

export type PairReply =
  | { type: "ready" }
  | { type: "failed"; error: string }
  | { type: "window-started" }
  | { type: "window"; stats: WindowStats }
  | { type: "final"; stats: FinalStats };

const INTERVAL_MS = Number(process.argv[3] ?? 50);
/** At most this many pings (10 minutes' worth): the pair never runs unbounded. */
const MAX_PINGS = Math.ceil(600_000 / INTERVAL_MS);
const DRAIN_MS = 10_000;

async function main(): Promise<void> {
  const send = (reply: PairReply): void => void process.send?.(reply);
  const port = Number(process.argv[2]);
  process.on("disconnect", () => process.exit(0)); // the driver went away
  let alice: Member;
  let bob: Member;
  try {
    alice = await Member.join(port, "alice");
    bob = await Member.join(port, "bob");
  } catch (error) {
    send({ type: "failed", error: error instanceof Error ? error.message : String(error) });
    return;
  }

  const sentAt: number[] = [];
  const receivedAt: number[] = [];
  let lastSeq = -1;
  let outOfOrder = 0;
  let longestLine = 0;
  let leakedLines = 0;
  let disconnected: string | null = null;
  const ping = /<alice> ping (\d+)$/;
  bob.onLine = (line, at) => {
    longestLine = Math.max(longestLine, line.length);
    if (line.includes("yyyyyyyy")) leakedLines++;
    const match = ping.exec(line);
    if (match === null) return;
    const seq = Number(match[1]);
    if (seq <= lastSeq || receivedAt[seq] !== undefined) outOfOrder++;
    lastSeq = Math.max(lastSeq, seq);
    receivedAt[seq] = at;
  };
  alice.socket.once("close", () => (disconnected ??= "alice was disconnected"));
  bob.socket.once("close", () => (disconnected ??= "bob was disconnected"));

  let sending = true;
  const sender = (async () => {
    for (let seq = 0; seq < MAX_PINGS && sending && disconnected === null; seq++) {
      sentAt[seq] = performance.now();
      alice.send(`ping ${seq}`);
      await sleep(INTERVAL_MS);
    }
  })();

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let windowStart = 0;
  let windowStartedAt = 0;
  const allIn = (from: number, to: number): boolean => {
    for (let s = from; s < to; s++) if (receivedAt[s] === undefined) return false;
    return true;
  };

  process.on("message", (message: PairRequest) => {
    void (async () => {
      if (message.type === "window-start") {
        windowStart = sentAt.length;
        windowStartedAt = performance.now();
        lag.reset();
        send({ type: "window-started" });
      } else if (message.type === "window-end") {
        const end = sentAt.length;
        const ownLagMax = lag.max / 1e6;
        await until(() => allIn(windowStart, end) || disconnected !== null, DRAIN_MS);
        const latencies: number[] = [];
        const each: { atMs: number; latencyMs: number }[] = [];
        for (let s = windowStart; s < end; s++) {
          const r = receivedAt[s];
          const at = sentAt[s] as number;
          if (r !== undefined) {
            latencies.push(r - at);
            each.push({ atMs: at - windowStartedAt, latencyMs: r - at });
          }
        }
        latencies.sort((a, b) => a - b);
        const worst = each.sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 3);
        send({
          type: "window",
          stats: {
            sent: end - windowStart,
            received: latencies.length,
            missing: end - windowStart - latencies.length,
            p50: percentile(latencies, 0.5),
            p99: percentile(latencies, 0.99),
            max: latencies.length > 0 ? (latencies[latencies.length - 1] as number) : NaN,
            ownLagMax,
            worst,
          },
        });
      } else if (message.type === "finish") {
        sending = false;
        await sender;
        const end = sentAt.length;
        await until(() => allIn(0, end) || disconnected !== null, DRAIN_MS);
        let received = 0;
        for (let s = 0; s < end; s++) if (receivedAt[s] !== undefined) received++;
        send({
          type: "final",
          stats: { sent: end, received, missing: end - received, outOfOrder, disconnected, longestLine, leakedLines, bobBytes: bob.bytesIn },
        });
        alice.socket.end();
        bob.socket.end();
        await sleep(100);
        process.exit(0);
      }
    })();
  });
  send({ type: "ready" });
}

void main();
