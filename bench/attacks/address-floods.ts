/**
 * Attacks 7 and 8: one address (ATTACKER_ADDRESS) floods the room by reconnecting, with never more
 * than 4 connections open at once, against the production limits (PRODUCTION_LIMITS). Each new
 * connection brings a fresh per-user allowance, so only a budget that follows the address holds
 * the flood back. With `--servers loopchat,baseline` the same flood runs on the build before the
 * per-address limits, and the checks say whether the finding reproduces there.
 */
import { ADDRESS_LIMITS, PRODUCTION_LIMITS, type Attack, type AttackContext, type AttackReport } from "./attack.js";
import { Attacker } from "./attacker.js";
import { Audience, type ReaderFate } from "./audience.js";
import { countPerWindow, largestBurst, summarize, type WindowSummary } from "./rates.js";
import { ATTACKER_ADDRESS, until } from "./wire.js";

const PARALLEL = 4;
const FLOOD_MS = 8_000;
/** A bound on rounds whatever the server does (refusals come back in well under a millisecond). */
const MAX_ROUNDS = 200_000;
/** Each wait of a round: connect, prompt, welcome, the server closing after we did. */
const ROUND_WAIT_MS = 20_000;
/** After the flood: how long the watcher may take to see every attacker leave. */
const DRAIN_MS = 20_000;

interface Tally {
  /** Connections that joined and did their round. */
  rounds: number;
  refused: Map<string, number>;
  /** Connects that failed (the socket's error code). */
  failed: Map<string, number>;
  lines: number;
  bytes: number;
  seconds: number;
}

const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);
const listed = (map: Map<string, number>): string => [...map].map(([why, n]) => `${n.toLocaleString("en-US")} ${why}`).join(", ") || "none";

/**
 * PARALLEL workers, each a loop of rounds as fast as the server lets it, until FLOOD_MS or
 * MAX_ROUNDS: a round joins as `<prefix><n>`, then `act` does the rest, and the round ends when
 * the connection has closed (or its wait ran out); a refused connection is counted and tried
 * again at once, as an attacker would.
 */
async function flood(port: number, prefix: string, act: (attacker: Attacker) => Promise<{ lines: number; bytes: number }>): Promise<Tally> {
  const tally: Tally = { rounds: 0, refused: new Map(), failed: new Map(), lines: 0, bytes: 0, seconds: 0 };
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() - start < FLOOD_MS && next < MAX_ROUNDS) {
      const name = `${prefix}${next++}`;
      try {
        const joined = await Attacker.join(port, name, ROUND_WAIT_MS);
        tally.bytes += name.length + 2;
        if ("refused" in joined) {
          bump(tally.refused, joined.refused);
          continue;
        }
        const done = await act(joined);
        tally.rounds++;
        tally.lines += done.lines;
        tally.bytes += done.bytes;
        await joined.closed(ROUND_WAIT_MS);
      } catch (error) {
        bump(tally.failed, (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error)));
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  tally.seconds = (performance.now() - start) / 1000;
  return tally;
}

interface Watched {
  audience: Audience;
  tally: Tally;
  /** When the flood started (performance.now()). */
  start: number;
  readers: ReaderFate[];
}

/** The audience joins, the flood runs, and the watcher is given time to see every attacker leave. */
async function floodWatched(ctx: AttackContext, prefix: string, act: (attacker: Attacker) => Promise<{ lines: number; bytes: number }>): Promise<Watched> {
  const audience = await Audience.join(ctx.port, prefix);
  try {
    ctx.phase("flood");
    const start = performance.now();
    const tally = await flood(ctx.port, prefix, act);
    ctx.phase("drain");
    const drained = await until(() => audience.attackersInRoom <= 0 || audience.watcherClosed, DRAIN_MS, 50);
    const readers = audience.readerFates(start);
    ctx.note(
      `${tally.rounds.toLocaleString("en-US")} rounds in ${tally.seconds.toFixed(1)} s from ${ATTACKER_ADDRESS}, ≤ ${PARALLEL} connections at once; ` +
        `refused: ${listed(tally.refused)}; connects failed: ${listed(tally.failed)}`,
    );
    if (!drained) ctx.note(`the watcher still counted ${audience.attackersInRoom} attackers in the room ${DRAIN_MS / 1000} s after the flood`);
    if (audience.watcherClosed) ctx.note("the watcher itself was disconnected: its counts stop there");
    ctx.note(`slow readers: ${readers.map(fate).join("; ")}`);
    return { audience, tally, start, readers };
  } finally {
    ctx.phase("close");
    await audience.close();
  }
}

/** Counts per 1 s window from the flood's start, and what they add up to. */
function perSecond(times: readonly number[], start: number): WindowSummary & { text: string } {
  const counts = countPerWindow(times, start, start + FLOOD_MS);
  const summary = summarize(counts);
  const shown = counts.slice(0, 12).join(", ") + (counts.length > 12 ? ", …" : "");
  return { ...summary, text: `${shown} (median ${summary.median}, peak ${summary.peak})` };
}

/** Every connection the address opened counts as an attacker, refused or not. */
function report(tally: Tally): AttackReport {
  let refused = 0;
  for (const n of tally.refused.values()) refused += n;
  return { attackers: tally.rounds + refused, bytesSent: tally.bytes };
}

function fate(r: ReaderFate): string {
  const read = `${(r.bytesRead / 1024 / 1024).toFixed(1)} MiB read`;
  return r.leftFor === null ? `${r.name} (${r.label}) stayed, ${read}` : `${r.name} (${r.label}) DROPPED (${r.leftFor}) ${((r.leftAtMs ?? NaN) / 1000).toFixed(1)} s in, ${read}`;
}

const LINES_PER_ROUND = 10;
const LINE_BYTES = 900;

/** 7. connect → name → ten 900-byte lines → close (a reset, see `Attacker.reset`), again and again. */
export const reconnectFlood: Attack = {
  id: 7,
  name: "reconnect flood",
  server: PRODUCTION_LIMITS,
  async run(ctx) {
    const { audience, tally, start, readers } = await floodWatched(ctx, "rf", async (attacker) => {
      let batch = "";
      for (let k = 0; k < LINES_PER_ROUND; k++) batch += `${k} `.padEnd(LINE_BYTES, "z") + "\r\n";
      // The close comes once the last line is back from the room, so every line was taken first.
      await attacker.sendAndAwait(batch, `<${attacker.name}> ${LINES_PER_ROUND - 1} `, ROUND_WAIT_MS);
      attacker.reset();
      return { lines: LINES_PER_ROUND, bytes: batch.length };
    });
    const fromAddress = [...audience.messages, ...audience.notices].sort((a, b) => a - b);
    const windows = perSecond(audience.messages, start);
    const burst = largestBurst(fromAddress, ADDRESS_LIMITS.linesPerSecond);
    ctx.note(
      `${tally.lines.toLocaleString("en-US")} lines of ${LINE_BYTES} B sent; the watcher saw ${audience.messages.length.toLocaleString("en-US")} of them ` +
        `and ${audience.notices.length.toLocaleString("en-US")} join/leave notices; the address's messages per 1 s window: ${windows.text}; ` +
        `its lines and notices beyond ${ADDRESS_LIMITS.linesPerSecond}/s in any interval: ${burst.toFixed(0)}`,
    );
    const dropped = readers.filter((r) => r.leftFor !== null);
    if (ctx.server === "baseline") {
      ctx.check(windows.median > 1_000, `before the limits the flood reaches everyone at over 1,000 lines/s (median ${windows.median})`);
      ctx.check(dropped.some((r) => r.name === "reader1m"), "before the limits the 1 MiB/s reader is dropped");
    } else {
      // Beyond the bucket, per connection: a line reserved before an interval may be released in
      // it, and a join and a leave are charged at once even while the address is in debt.
      const slack = 3 * PARALLEL;
      ctx.check(
        burst <= ADDRESS_LIMITS.burst + slack,
        `the watcher saw at most ${ADDRESS_LIMITS.linesPerSecond} lines/s from the address beyond a burst of ${ADDRESS_LIMITS.burst} (+${slack}, 3 per connection): ${burst.toFixed(0)}`,
      );
      ctx.check(dropped.length === 0, "no slow reader was dropped");
    }
    return report(tally);
  },
};

/** 8. connect → name → /quit, again and again: every round is two notices to everyone. */
export const joinQuitFlood: Attack = {
  id: 8,
  name: "join/quit flood",
  server: PRODUCTION_LIMITS,
  async run(ctx) {
    const { audience, tally, start, readers } = await floodWatched(ctx, "jq", async (attacker) => {
      attacker.socket.write("/quit\r\n"); // the server closes first: no TIME_WAIT on our side
      return { lines: 1, bytes: 7 };
    });
    const windows = perSecond(audience.notices, start);
    const joins = audience.joins;
    const burst = ADDRESS_LIMITS.connectsPerMinute;
    const after = joins.slice(burst);
    const spanS = joins.length === 0 ? 0 : ((joins[joins.length - 1] as number) - start) / 1000;
    ctx.note(
      `the watcher saw ${joins.length.toLocaleString("en-US")} joins and ${(audience.notices.length - joins.length).toLocaleString("en-US")} leaves; ` +
        `notices per 1 s window: ${windows.text}; the ${burst}th join ${joins.length >= burst ? `${(((joins[burst - 1] as number) - start) / 1000).toFixed(1)} s in` : "never came"}, ` +
        `${after.length.toLocaleString("en-US")} after it` +
        (after.length > 0 ? ` (at ${after.slice(0, 8).map((t) => ((t - start) / 1000).toFixed(1)).join(", ")}${after.length > 8 ? ", …" : ""} s)` : ""),
    );
    const dropped = readers.filter((r) => r.leftFor !== null);
    if (ctx.server === "baseline") {
      ctx.check(windows.median > 100, `before the limits everyone gets over 100 join/leave notices per second (median ${windows.median})`);
    } else {
      // The connect bucket starts full and refills one token every 60/connectsPerMinute s from the start.
      const allowed = burst + Math.floor((spanS * ADDRESS_LIMITS.connectsPerMinute) / 60) + 1;
      ctx.check(joins.length <= allowed, `at most ${burst} joins at once, then one every ${60 / ADDRESS_LIMITS.connectsPerMinute} s: ${joins.length} in ${spanS.toFixed(1)} s (≤ ${allowed})`);
      ctx.check(tally.refused.size === 1 && tally.refused.has("throttled"), `the connections past the budget are refused as "throttled" (${listed(tally.refused)})`);
      ctx.check(dropped.length === 0, "no slow reader was dropped");
    }
    return report(tally);
  },
};
