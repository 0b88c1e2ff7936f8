/**
 * Durations counted into fixed buckets, like a Prometheus histogram: cheap enough to record every
 * step of the loop (a few comparisons, no allocation), and enough to answer "how long do steps
 * take, and how often does one hold the loop for more than 10 ms?".
 */
export class DurationHistogram {
  /** Upper bounds of the buckets, in milliseconds; one more bucket holds everything longer. */
  static readonly BOUNDS_MS: readonly number[] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000];

  /** counts[i]: durations ≤ BOUNDS_MS[i] and above the bound before; the last: above every bound. */
  readonly counts: number[] = new Array<number>(DurationHistogram.BOUNDS_MS.length + 1).fill(0);
  count = 0;
  sumMs = 0;
  maxMs = 0;

  observe(ms: number): void {
    const bounds = DurationHistogram.BOUNDS_MS;
    let i = 0;
    while (i < bounds.length && ms > bounds[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Running totals per bucket, as Prometheus wants them: [bound, durations ≤ bound]. */
  cumulative(): [boundMs: number, count: number][] {
    let total = 0;
    const rows: [number, number][] = DurationHistogram.BOUNDS_MS.map((bound, i) => [bound, (total += this.counts[i]!)]);
    rows.push([Infinity, this.count]);
    return rows;
  }
}
