import { currentTask, sleep, type Operation } from "../../../shared/src/loop/index.js";
import type { AddressAllowance } from "../address-budget.js";
import type { Member } from "../room/member.js";
import type { SessionLog } from "./log.js";

/**
 * Whether a member is flooding: lines (or commands) wait behind the rate limit, and past
 * `maxBacklog` of them the member is told and dropped. Without a rate limit nothing waits, so
 * there is no flood. Returns true when the caller must end its read loop ("flooding").
 */
export function droppedForFlooding(member: Member, backlog: number, limits: { linesPerSecond: number; maxBacklog: number }, log: SessionLog): boolean {
  if (limits.linesPerSecond === 0 || backlog <= limits.maxBacklog) return false;
  log.warn({ backlog }, "flooding: disconnected");
  member.kick("flooding", { type: "error", code: "flooding", text: "you are sending too much too fast; disconnecting" });
  return true;
}

/**
 * Flood control that delays instead of dropping: each line takes a token; tokens come back at
 * `perSecond` up to `burst`, so a pasted paragraph passes at once and a flood is slowed to the
 * rate. When the bucket is empty the reader task simply sleeps, so only the flooder waits and
 * nobody's message is lost. A rate of 0 means no limit.
 */
export class TokenBucket {
  private tokens: number;
  private last: number | null = null;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes one token, sleeping until one is there. */
  *take(): Operation<void> {
    if (this.perSecond === 0) return;
    const clock = currentTask().loop.clock;
    this.refill(clock.now());
    if (this.tokens < 1) {
      yield* sleep(((1 - this.tokens) / this.perSecond) * 1000);
      this.refill(clock.now());
    }
    this.tokens -= 1;
  }

  private refill(now: number): void {
    if (this.last !== null) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/**
 * Paces one line (a message or a command): the member's own bucket, then its address's share,
 * which all the address's connections spend from. Only the flooder's reader waits here.
 */
export function* paceLine(bucket: TokenBucket, allowance: AddressAllowance): Operation<void> {
  yield* bucket.take();
  const waitMs = allowance.reserveLine(currentTask().loop.clock.now());
  if (waitMs > 0) yield* sleep(waitMs);
}
