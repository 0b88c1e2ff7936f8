/**
 * "Wait until this holds", woken by events instead of polling: whoever records what arrives calls
 * `notify()`, and every pending wait checks its condition again. Every wait has a deadline:
 * `holds` then answers false, `until` rejects with what it waited for and what did arrive.
 */
/** How long a wait lasts by default: generous, because CI machines are loaded 2-core boxes. */
export const DEADLINE_MS = 20_000;

export class Waiters {
  private pending: (() => boolean)[] = [];

  constructor(private readonly describeReceived: () => string = () => "") {}

  /** True once `condition` holds (at once if it already does), false if it still does not after `deadlineMs`. */
  holds(condition: () => boolean, deadlineMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (!condition()) return false;
        clearTimeout(timer);
        resolve(true);
        return true;
      };
      const timer = setTimeout(() => {
        this.pending = this.pending.filter((c) => c !== check);
        resolve(false);
      }, deadlineMs);
      this.pending.push(check);
    });
  }

  /** Resolves once `condition` holds; rejects after `deadlineMs`, saying it waited for `what` and what was received. */
  async until(condition: () => boolean, what: string, deadlineMs = DEADLINE_MS): Promise<void> {
    if (!(await this.holds(condition, deadlineMs))) throw new Error(`timed out waiting for ${what}; saw instead:\n${this.describeReceived()}`);
  }

  notify(): void {
    if (this.pending.length > 0) this.pending = this.pending.filter((check) => !check());
  }
}
