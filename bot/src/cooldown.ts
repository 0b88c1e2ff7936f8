/**
 * At most one action per window (the bot's answer to `!quote`): a request inside the window is
 * refused rather than queued, so a crowd typing `!quote` cannot make the bot flood the room.
 */
export class Cooldown {
  private readyAt = -Infinity;

  constructor(
    readonly windowMs: number,
    /** Milliseconds; the loop's clock in the bot, a fake one in tests. */
    private readonly now: () => number,
  ) {}

  /** True (and the window starts) if the last allowed action is at least `windowMs` ago. */
  tryTake(): boolean {
    const now = this.now();
    if (now < this.readyAt) return false;
    this.readyAt = now + this.windowMs;
    return true;
  }
}
