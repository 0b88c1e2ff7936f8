/**
 * The no-loss promise, checked from O(1) state per member against the observer's order: every
 * message the server accepts reaches every member who was connected for its whole life, in the
 * server's order, unless that member was dropped with a notice; nobody gets a message twice.
 *
 * A member's share is the run of messages between its own "joined" and "left" notices in the
 * observer's order (to the end of the order if it never left). A member that stayed or quit must
 * have received exactly that run; one that vanished (socket destroyed) or was dropped with a
 * notice, a prefix of it (what was in flight died with the socket). The comparison is by count
 * and 64-bit ordered hash; when they differ, the order-free sums say what went wrong: the same
 * messages out of order, or one message missing or doubled (named), or more.
 */
import { firstName, type ObservedOrder, type Violation } from "./order.js";
import { CHECKPOINT_EVERY, idHashA, idHashB, idText, Tally } from "./tally.js";

export type Fate = "stayed" | "quit" | "vanished";

/** What the soak knows about one member at the end (all O(1)). */
export interface MemberRecord {
  index: number;
  /** What the soak did to it: nothing, `/quit`, or `socket.destroy()`. */
  how: Fate;
  /** It read the end of its welcome (it was in the room). */
  welcomed: boolean;
  /** The messages it received after its welcome. */
  tally: Tally;
  /** Messages it sent: ids (index, 0) … (index, sent - 1). */
  sent: number;
  /** The server told it it was being disconnected (too slow, flooding). */
  dropNotice: boolean;
  /** Lines it could not make sense of, and the first of them. */
  foreign: number;
  firstForeign: string | null;
}

export interface CheckReport {
  violations: Violation[];
  /** Messages received by members and checked against the order. */
  deliveriesChecked: number;
  membersChecked: number;
  /** Members the server dropped with a notice (allowed by the promise, but worth a look). */
  dropped: number;
}

/** Running tallies of order[from, from + c) for each wanted count c (one walk). */
function tallies(order: ObservedOrder, from: number, counts: number[]): Map<number, Tally> {
  const wanted = [...new Set(counts)].sort((a, b) => a - b);
  const out = new Map<number, Tally>();
  const t = new Tally();
  let w = 0;
  for (let i = from; w < wanted.length; i++) {
    while (w < wanted.length && t.count === wanted[w]) out.set(wanted[w++] as number, t.copy());
    if (w === wanted.length) break;
    t.add(order.senders[i] as number, order.seqs[i] as number);
  }
  return out;
}

/** The position in order[from, to) of the message whose id hashes to (a, b), or -1. */
function findByHash(order: ObservedOrder, from: number, to: number, a: number, b: number): number {
  for (let i = from; i < to; i++) {
    const sender = order.senders[i] as number;
    const seq = order.seqs[i] as number;
    if (idHashA(sender, seq) === a && idHashB(sender, seq) === b) return i;
  }
  return -1;
}

const idAt = (order: ObservedOrder, i: number): string => idText(order.senders[i] as number, order.seqs[i] as number);

function describe(t: Tally): string {
  if (t.count === 0) return "nothing";
  return `${t.count} message${t.count === 1 ? "" : "s"}, ${idText(t.firstSender, t.firstSeq)} … ${idText(t.lastSender, t.lastSeq)}`;
}

/** The one message `more` has and `less` has not (by the sums), if it is in order[from, to): its position. */
function oneMore(order: ObservedOrder, from: number, to: number, more: Tally, less: Tally): number {
  if (more.count !== less.count + 1) return -1;
  return findByHash(order, from, to, (more.sumA - less.sumA) | 0, (more.sumB - less.sumB) | 0);
}

/** Where a member's stream first differs from its share order[from, to), by its checkpoints ("" if it kept none). */
function whereItDiffers(order: ObservedOrder, from: number, to: number, got: Tally): string {
  const marks = got.checkpoints;
  if (marks === null) return "";
  const t = new Tally();
  let i = from;
  for (let j = 0; j < marks.length; j++) {
    const upTo = (j + 1) * CHECKPOINT_EVERY;
    while (t.count < upTo && i < to) t.add(order.senders[i] as number, order.seqs[i++] as number);
    if (t.count < upTo || t.hashA !== marks[j]) {
      const start = from + j * CHECKPOINT_EVERY;
      return `; it first differs from its share within its messages #${j * CHECKPOINT_EVERY + 1}–#${upTo}${start < to ? ` (its share there starts at ${idAt(order, start)})` : ""}`;
    }
  }
  const base = marks.length * CHECKPOINT_EVERY;
  return `; it matches its share up to #${base}${from + base < to ? ` (then ${idAt(order, from + base)} …)` : ""} and differs after`;
}

/**
 * Compares what a member received with its share order[from, to): all of it, or a prefix.
 * Returns the violations (kind, detail) found, none if it matches.
 */
function compare(order: ObservedOrder, from: number, to: number, got: Tally, prefixOnly: boolean): { kind: string; detail: string }[] {
  const n = to - from;
  const k = got.count;
  const at = tallies(order, from, [n, Math.min(k, n), Math.max(0, Math.min(k - 1, n)), Math.min(k + 1, n)]);
  const share = at.get(n) as Tally;
  const pos = (i: number): string => `#${i - from + 1} of its ${n}`;
  const context = `received ${describe(got)}; its share is ${describe(share)}`;
  if (k <= n) {
    const prefix = at.get(k) as Tally;
    if (got.sameSequence(prefixOnly ? prefix : share)) return [];
    if ((prefixOnly || k === n) && got.sameSet(prefix)) return [{ kind: "out-of-order", detail: `the right ${k} messages in the wrong order; ${context}` }];
    if (k < n && got.sameSequence(prefix) && !prefixOnly) {
      return [{ kind: "missing", detail: `stopped after ${k}: the last ${n - k} never arrived (first missing ${idAt(order, from + k)}); ${context}` }];
    }
    // One message missing before the end of what it received (a vanished member stops anywhere).
    const oneLonger = at.get(Math.min(k + 1, n)) as Tally;
    const missing = oneMore(order, from, to, prefixOnly ? oneLonger : share, got);
    if (missing >= 0) return [{ kind: "missing", detail: `${idAt(order, missing)} (${pos(missing)}) never arrived; ${context}` }];
    if (k >= 1) {
      const oneShorter = at.get(k - 1) as Tally;
      const twice = oneMore(order, from, to, got, oneShorter);
      if (twice >= 0) return [{ kind: "duplicate", detail: `${idAt(order, twice)} (${pos(twice)}) arrived twice; ${context}` }];
    }
    if (k < n && !prefixOnly) return [{ kind: "missing", detail: `${n - k} of its messages never arrived; ${context}` }];
    return [{ kind: prefixOnly ? "not-a-prefix" : "wrong-messages", detail: `${prefixOnly ? "not a prefix of its share" : "not its share"}; ${context}` }];
  }
  const twice = oneMore(order, from, to, got, share);
  if (twice >= 0) return [{ kind: "duplicate", detail: `${idAt(order, twice)} (${pos(twice)}) arrived twice; ${context}` }];
  return [{ kind: "extra", detail: `${k - n} more messages than its share (duplicates, or messages from outside its time in the room); ${context}` }];
}

/**
 * Checks every member. `end`: how many messages of the order count (the observer's count when the
 * final marker arrived); a member still in the room must have received its share up to there.
 */
export function check(order: ObservedOrder, members: Iterable<MemberRecord>, end = order.senders.length): CheckReport {
  const violations: Violation[] = [...order.problems];
  let deliveriesChecked = 0;
  let membersChecked = 0;
  let dropped = 0;
  for (const m of members) {
    const who = firstName(m.index);
    const add = (kind: string, detail: string): void => void violations.push({ who, kind, detail });
    if (m.foreign > 0) add("foreign-lines", `${m.foreign} line(s) it could not read, the first: ${JSON.stringify(m.firstForeign)}`);
    const joined = order.joinedAt.get(m.index);
    if (joined === undefined) {
      // A client destroyed before it was welcomed may never have become a member.
      if (!(m.how === "vanished" && !m.welcomed)) add("never-joined", `the observer never saw ${who} join (${m.how}, ${m.welcomed ? "welcomed" : "not welcomed"})`);
      continue;
    }
    const departure = order.left.get(m.index);
    const droppedWithNotice = m.dropNotice && (departure === undefined || !departure.reason.startsWith("quit"));
    let prefixOnly = m.how === "vanished" || droppedWithNotice;
    if (droppedWithNotice) dropped++;
    else if (m.how === "stayed" && departure !== undefined) {
      add("left-unexpectedly", `the server said ${who} left (${departure.reason}) though it neither quit nor vanished, and it got no notice`);
      prefixOnly = true;
    } else if (m.how === "quit" && departure === undefined) {
      add("quit-not-seen", `${who} sent /quit but the observer never saw it leave`);
      prefixOnly = true;
    } else if (m.how === "quit" && departure !== undefined && !departure.reason.startsWith("quit")) {
      add("quit-reason", `${who} sent /quit but left with reason "${departure.reason}"`);
    }
    const to = departure === undefined ? end : Math.min(departure.at, end);
    const share = { from: joined, to: Math.max(joined, to) };
    for (const v of compare(order, share.from, share.to, m.tally, prefixOnly)) {
      add(v.kind, `${m.how}${droppedWithNotice ? " (dropped)" : ""}: ${v.detail}${whereItDiffers(order, share.from, share.to, m.tally)}`);
    }
    deliveriesChecked += m.tally.count;
    membersChecked++;

    // What it sent: everything (it quit after sending, or is still there), or a prefix.
    const accepted = order.acceptedFrom.get(m.index) ?? 0;
    if (accepted > m.sent) add("phantom", `the order holds ${accepted} messages from ${who}, which sent ${m.sent}`);
    else if (accepted < m.sent && !prefixOnly) add("not-accepted", `${who} sent ${m.sent} messages, the order holds ${accepted}`);
  }
  return { violations, deliveriesChecked, membersChecked, dropped };
}
