/**
 * What a soak client remembers of the messages it received, in O(1) memory however many arrive:
 * how many, the first and the last, an order-sensitive hash of the whole sequence and an
 * order-free sum of the same ids. A message id is (sender, seq): the client that sent it and that
 * client's own counter, so every id is unique.
 *
 * Both hashes have two independent 32-bit lanes (64 bits). The ordered hash says "exactly this
 * sequence" (or not); the sums let the checker tell why not: the same messages in another order
 * (sums equal), or one message missing or doubled (the sums differ by that message's hash, which
 * the checker looks up in the expected sequence).
 */

/** murmur3's finalizer: a bijection on 32 bits that mixes every input bit into every output bit. */
function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The id's hash, lane 1. */
export function idHashA(sender: number, seq: number): number {
  return fmix32(Math.imul(sender, 0x9e3779b1) + fmix32(seq + 0x7f4a7c15));
}

/** The id's hash, lane 2 (other constants: independent of lane 1). */
export function idHashB(sender: number, seq: number): number {
  return fmix32(Math.imul(sender ^ 0x5bd1e995, 0x27d4eb2f) + fmix32(seq ^ 0x165667b1));
}

/** One step of the ordered hash: a bijection of the state for each input, so nothing collapses. */
function fold(state: number, x: number, multiplier: number): number {
  const h = Math.imul(state ^ x, multiplier);
  return h ^ (h >>> 15);
}

/** A member's tally keeps its ordered hash every this many messages, to tell where a stream went wrong. */
export const CHECKPOINT_EVERY = 512;

const START_A = 0x811c9dc5 | 0;
const START_B = 0x2545f491 | 0;

export class Tally {
  count = 0;
  /** Ordered hash, two lanes. */
  hashA = START_A;
  hashB = START_B;
  /** Order-free sum of the ids' hashes (mod 2^32), two lanes. */
  sumA = 0;
  sumB = 0;
  firstSender = -1;
  firstSeq = -1;
  lastSender = -1;
  lastSeq = -1;
  /**
   * Lane A of the ordered hash after every CHECKPOINT_EVERY messages (null: not kept). A few
   * numbers per member even for long runs, and they let the checker say where a stream first
   * differs from its share when it does.
   */
  readonly checkpoints: number[] | null;

  constructor(keepCheckpoints = false) {
    this.checkpoints = keepCheckpoints ? [] : null;
  }

  add(sender: number, seq: number): void {
    const a = idHashA(sender, seq);
    const b = idHashB(sender, seq);
    this.hashA = fold(this.hashA, a, 0x01000193);
    this.hashB = fold(this.hashB, b, 0x2c1b3c6d);
    this.sumA = (this.sumA + a) | 0;
    this.sumB = (this.sumB + b) | 0;
    if (this.count === 0) {
      this.firstSender = sender;
      this.firstSeq = seq;
    }
    this.lastSender = sender;
    this.lastSeq = seq;
    this.count++;
    if (this.checkpoints !== null && this.count % CHECKPOINT_EVERY === 0) this.checkpoints.push(this.hashA);
  }

  /** The same sequence (by count and ordered hash). */
  sameSequence(other: Tally): boolean {
    return this.count === other.count && this.hashA === other.hashA && this.hashB === other.hashB;
  }

  /** The same messages, in whatever order (by count and sums). */
  sameSet(other: Tally): boolean {
    return this.count === other.count && this.sumA === other.sumA && this.sumB === other.sumB;
  }

  /** A copy of the counts and hashes (without checkpoints). */
  copy(): Tally {
    const t = new Tally();
    t.count = this.count;
    t.hashA = this.hashA;
    t.hashB = this.hashB;
    t.sumA = this.sumA;
    t.sumB = this.sumB;
    t.firstSender = this.firstSender;
    t.firstSeq = this.firstSeq;
    t.lastSender = this.lastSender;
    t.lastSeq = this.lastSeq;
    return t;
  }
}

/** How a message id is written in a message line: "~<sender>.<seq>". */
export const idText = (sender: number, seq: number): string => `~${sender}.${seq}`;
