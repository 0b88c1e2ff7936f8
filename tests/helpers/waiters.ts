/**
 * "Wait until this holds" for test clients that record what they receive: each arrival calls
 * `notify()`, and every pending `until` re-checks its condition. A generous deadline turns a
 * missing event into a clear failure showing what did arrive.
 */
export class Waiters {
  private pending: (() => void)[] = [];

  constructor(private readonly describeReceived: () => string) {}

  until(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got:\n${this.describeReceived()}`)), deadlineMs);
      const check = (): void => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else this.pending.push(check);
      };
      this.pending.push(check);
    });
  }

  notify(): void {
    const pending = this.pending;
    this.pending = [];
    for (const check of pending) check();
  }
}
