/**
 * A latency histogram with fixed memory, cheap enough to record millions of samples a second:
 * microseconds in buckets of 16 per power of two (each within ~6 % of its value), the idea of
 * HdrHistogram at its smallest. Histograms from several processes merge by adding counts.
 */
import { nearestRank } from "../common/percentile.js";

const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** 2^31 µs ≈ 36 minutes: beyond anything a benchmark waits for. */
const BUCKETS = 32 * SUB;

export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;

  /** Records one latency in microseconds (negative values count as 0). */
  record(us: number): void {
    const v = us > 0 ? Math.min(us, 2 ** 31 - 1) | 0 : 0;
    const b = bucketOf(v);
    this.counts[b] = (this.counts[b] as number) + 1;
    this.count++;
    if (us > this.max) this.max = us;
  }

  merge(counts: ArrayLike<number>, max: number): void {
    for (let i = 0; i < BUCKETS; i++) {
      const c = counts[i] ?? 0;
      this.counts[i] = (this.counts[i] as number) + c;
      this.count += c;
    }
    if (max > this.max) this.max = max;
  }

  /** The p-quantile (0..1) in microseconds: the upper edge of the bucket holding it; NaN when empty. */
  quantile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = nearestRank(p, this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(upperEdge(i), this.max);
    }
    return this.max;
  }
}

/** Values below 16 get a bucket each; above, the top 5 bits (leading one + 4 more) pick it. */
function bucketOf(v: number): number {
  if (v < SUB) return v;
  const exponent = 31 - Math.clz32(v); // position of the leading one, ≥ 4
  const sub = (v >>> (exponent - SUB_BITS)) & (SUB - 1);
  return (exponent - SUB_BITS + 1) * SUB + sub;
}

function upperEdge(bucket: number): number {
  if (bucket < SUB) return bucket;
  const exponent = Math.floor(bucket / SUB) + SUB_BITS - 1;
  const sub = bucket % SUB;
  return ((SUB + sub + 1) << (exponent - SUB_BITS)) - 1;
}
