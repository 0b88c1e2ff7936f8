/**
 * Reconnect delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"). The n-th delay since the last reset is uniform in
 * [0, min(cap, base * 2^(n-1))]: the ceiling doubles so a server that is down is not hammered,
 * and the randomness keeps many clients that lost the same server from returning in lockstep.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** [0, 1) like Math.random; seed it in tests. */
  random?: () => number;
}

export class Backoff {
  /** Delays handed out since the last reset (the number of the attempt the last delay precedes). */
  attempts = 0;
  private readonly random: () => number;

  constructor(readonly options: BackoffOptions) {
    if (!(options.baseMs > 0) || !(options.capMs >= options.baseMs)) {
      throw new RangeError(`backoff needs 0 < baseMs <= capMs, got ${options.baseMs} and ${options.capMs}`);
    }
    this.random = options.random ?? Math.random;
  }

  /** The largest delay the `attempt`-th retry may wait (1-based). */
  ceiling(attempt: number): number {
    return Math.min(this.options.capMs, this.options.baseMs * 2 ** Math.max(0, attempt - 1));
  }

  /** The delay before the next attempt, in milliseconds. */
  next(): number {
    this.attempts++;
    return this.random() * this.ceiling(this.attempts);
  }

  /** After a success: the next failure starts again from the base delay. */
  reset(): void {
    this.attempts = 0;
  }
}
