import { addressKey } from "./address-limit.js";

/**
 * What one client address may spend, whatever connections it uses: lines into the room (joins
 * and quits count as lines: each is a notice to everyone) and new connections. The budget stays
 * with the address when its connections close, so reconnecting does not refill it (ergo's
 * `ip-limits`; counted per IPv4 address or IPv6 /64, as the open-connection limit is).
 *
 * Both are token buckets. A line reserves its token: when the bucket is empty the line's reader
 * waits for its turn (the flood is delayed, not dropped) and reads nothing meanwhile, so the
 * flooder meets TCP backpressure; the address's connections queue behind each other. The debt
 * is bounded by the readers waiting at once: at most one per connection.
 */
export interface AddressRates {
  /** Lines per second per address (bursts of twice that pass at once); 0 = no limit. */
  linesPerSecond: number;
  /** New connections per minute per address (bursts of that many); 0 = no limit. */
  connectsPerMinute: number;
}

/** What the budget has done, for /metrics. */
export interface BudgetCounts {
  /** Lines that waited for their address's turn. */
  linesDelayed: number;
}

export class AddressAllowance {
  /** Open sessions of this address (an allowance in use is never forgotten). */
  sessions = 0;
  private lineTokens: number;
  private linesAt: number;
  private connectTokens: number;
  private connectsAt: number;

  constructor(
    private readonly rates: AddressRates,
    now: number,
    private readonly counts: BudgetCounts,
  ) {
    this.lineTokens = 2 * rates.linesPerSecond;
    this.connectTokens = rates.connectsPerMinute;
    this.linesAt = this.connectsAt = now;
  }

  /** Takes a connection token: 0 if the connection may go ahead, else the seconds until one would. */
  connect(now: number): number {
    const perMs = this.rates.connectsPerMinute / 60_000;
    if (perMs === 0) return 0;
    this.connectTokens = Math.min(this.rates.connectsPerMinute, this.connectTokens + (now - this.connectsAt) * perMs);
    this.connectsAt = now;
    if (this.connectTokens < 1) return Math.ceil((1 - this.connectTokens) / perMs / 1000);
    this.connectTokens -= 1;
    return 0;
  }

  /** Reserves a line's token: how long the line must wait for it (0: it may go now). */
  reserveLine(now: number): number {
    const perMs = this.rates.linesPerSecond / 1000;
    if (perMs === 0) return 0;
    this.refillLines(now, perMs);
    const waitMs = this.lineTokens >= 1 ? 0 : (1 - this.lineTokens) / perMs;
    if (waitMs > 0) this.counts.linesDelayed++;
    this.lineTokens -= 1; // may go below zero: the debt is the queue of lines waiting their turn
    return waitMs;
  }

  /** A join or a quit: spent at once, never refused; a debt makes the address's next lines wait. */
  charge(now: number): void {
    const perMs = this.rates.linesPerSecond / 1000;
    if (perMs === 0) return;
    this.refillLines(now, perMs);
    this.lineTokens -= 1;
  }

  /** Nothing to remember: no session, and both buckets full again. */
  idle(now: number): boolean {
    if (this.sessions > 0) return false;
    const linesFull = this.rates.linesPerSecond === 0 || this.lineTokens + ((now - this.linesAt) * this.rates.linesPerSecond) / 1000 >= 2 * this.rates.linesPerSecond;
    const connectsFull = this.rates.connectsPerMinute === 0 || this.connectTokens + ((now - this.connectsAt) * this.rates.connectsPerMinute) / 60_000 >= this.rates.connectsPerMinute;
    return linesFull && connectsFull;
  }

  private refillLines(now: number, perMs: number): void {
    this.lineTokens = Math.min(2 * this.rates.linesPerSecond, this.lineTokens + (now - this.linesAt) * perMs);
    this.linesAt = now;
  }
}

/** The allowance of an exempt address (loopback by default): it never waits and is never refused. */
export const UNLIMITED = new AddressAllowance({ linesPerSecond: 0, connectsPerMinute: 0 }, 0, { linesDelayed: 0 });

/** Every address's allowance, forgotten once it is idle (so the map holds only recent addresses). */
export class AddressBudget {
  private readonly byAddress = new Map<string, AddressAllowance>();
  private readonly exempt: ReadonlySet<string>;
  private sweepAt = 1024;
  readonly counts: BudgetCounts = { linesDelayed: 0 };

  constructor(
    private readonly rates: AddressRates,
    exempt: readonly string[],
  ) {
    this.exempt = new Set(exempt.map(addressKey));
  }

  /** The allowance `address` spends from (the same object for all its connections). */
  allowanceFor(address: string, now: number): AddressAllowance {
    const key = addressKey(address);
    if (this.exempt.has(key) || (this.rates.linesPerSecond === 0 && this.rates.connectsPerMinute === 0)) return UNLIMITED;
    let allowance = this.byAddress.get(key);
    if (allowance === undefined) {
      if (this.byAddress.size >= this.sweepAt) this.sweep(now);
      allowance = new AddressAllowance(this.rates, now, this.counts);
      this.byAddress.set(key, allowance);
    }
    return allowance;
  }

  /** Addresses remembered now (for tests and /metrics). */
  get size(): number {
    return this.byAddress.size;
  }

  /** Forgets idle addresses; sweeps again once the map has doubled, so the cost per address stays constant. */
  private sweep(now: number): void {
    for (const [key, allowance] of this.byAddress) if (allowance.idle(now)) this.byAddress.delete(key);
    this.sweepAt = Math.max(1024, 2 * this.byAddress.size);
  }
}
