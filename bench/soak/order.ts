/**
 * The server's one order of events, as the observer (a member that never leaves) reads it: every
 * message id in order, and where each member joined and left, counted in messages. Memory is a
 * few numbers per message and per member.
 *
 * While recording it checks what it can on its own: each sender's messages arrive in the order
 * sent, without gaps or repeats (a sender's lines are contiguous seq numbers from 0); the name on
 * a message is its sender's current name; joins, renames and leaves make sense.
 */
import { idText } from "./tally.js";

export interface Violation {
  /** The member (its first name) or "server"/"observer" for global problems. */
  who: string;
  kind: string;
  detail: string;
}

export interface Departure {
  /** Messages in the order before the member's "left" notice. */
  at: number;
  reason: string;
}

/** What the checker needs from the observer's record. */
export interface ObservedOrder {
  /** Sender and seq of every message, in the server's order. */
  readonly senders: readonly number[];
  readonly seqs: readonly number[];
  /** Per member index: messages in the order before its "joined" notice. */
  readonly joinedAt: ReadonlyMap<number, number>;
  readonly left: ReadonlyMap<number, Departure>;
  /** Messages each sender had accepted, as seen in the order. */
  readonly acceptedFrom: ReadonlyMap<number, number>;
  readonly problems: readonly Violation[];
}

/** Member names: `c<index>` at first, `n<index>-<k>` after a rename; index 0 is the observer. */
export const firstName = (index: number): string => (index === 0 ? "observer" : `c${index}`);
export const renamed = (index: number, k: number): string => `n${index}-${k}`;

/** The member index a name stands for, or -1 if it is none of ours. */
export function indexOfName(name: string): number {
  if (name === "observer") return 0;
  const m = /^[cn](\d+)(?:-\d+)?$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

const MESSAGE = /^\[\d\d:\d\d\] <([^>]+)> ~(\d+)\.(\d+)$/;
const JOINED = /^\* (\S+) joined \((\d+) online\)$/;
const LEFT = /^\* (\S+) left \((.*); (\d+) online\)$/;
const RENAMED = /^\* (\S+) is now known as (\S+)$/;

export class OrderRecorder implements ObservedOrder {
  readonly senders: number[] = [];
  readonly seqs: number[] = [];
  readonly joinedAt = new Map<number, number>();
  readonly left = new Map<number, Departure>();
  readonly acceptedFrom = new Map<number, number>();
  readonly problems: Violation[] = [];
  /** Each member's name as the server last announced it. */
  private readonly names = new Map<number, string>([[0, firstName(0)]]);
  shutdownSeen = false;

  get messages(): number {
    return this.senders.length;
  }

  /** Has a message from `sender` with `seq` been recorded? (For the end-of-run marker.) */
  has(sender: number, seq: number): boolean {
    return (this.acceptedFrom.get(sender) ?? 0) > seq;
  }

  private problem(who: string, kind: string, detail: string): void {
    if (this.problems.length < 1_000) this.problems.push({ who, kind, detail });
  }

  /** One line the observer received after its welcome (without CRLF). */
  line(text: string): void {
    let m = MESSAGE.exec(text);
    if (m !== null) {
      const [, name, senderText, seqText] = m as unknown as [string, string, string, string];
      const sender = Number(senderText);
      const seq = Number(seqText);
      const next = this.acceptedFrom.get(sender) ?? 0;
      const where = `at message #${this.senders.length}`;
      if (seq !== next) {
        const what = seq < next ? "a repeat or reorder" : `a gap of ${seq - next}`;
        this.problem(firstName(sender), "sender-order", `the server's order has ${idText(sender, seq)} ${where} where ${idText(sender, next)} was due (${what})`);
      }
      if (this.names.get(sender) !== name) {
        this.problem(firstName(sender), "sender-name", `${idText(sender, seq)} ${where} is from <${name}>, but its sender is ${this.names.get(sender) ?? "not in the room"}`);
      }
      this.acceptedFrom.set(sender, Math.max(next, seq + 1));
      this.senders.push(sender);
      this.seqs.push(seq);
      return;
    }
    if ((m = JOINED.exec(text)) !== null) {
      const name = m[1] as string;
      const index = indexOfName(name);
      if (index <= 0 || name !== firstName(index) || this.joinedAt.has(index)) this.problem(name, "join-notice", `unexpected: ${text}`);
      else {
        this.joinedAt.set(index, this.senders.length);
        this.names.set(index, name);
      }
      return;
    }
    if ((m = LEFT.exec(text)) !== null) {
      const name = m[1] as string;
      const index = indexOfName(name);
      if (index <= 0 || this.names.get(index) !== name || this.left.has(index)) this.problem(name, "left-notice", `unexpected: ${text}`);
      else {
        this.left.set(index, { at: this.senders.length, reason: m[2] as string });
        this.names.delete(index);
      }
      return;
    }
    if ((m = RENAMED.exec(text)) !== null) {
      const [, from, to] = m as unknown as [string, string, string];
      const index = indexOfName(from);
      if (index <= 0 || this.names.get(index) !== from || indexOfName(to) !== index) this.problem(from, "rename-notice", `unexpected: ${text}`);
      else this.names.set(index, to);
      return;
    }
    if (text.startsWith("* The server is shutting down")) this.shutdownSeen = true;
    else if (text.startsWith("! ")) this.problem("observer", "observer-error", `the server told the observer: ${text}`);
    else this.problem("observer", "unknown-line", `a line the soak does not expect: ${JSON.stringify(text)}`);
  }
}
