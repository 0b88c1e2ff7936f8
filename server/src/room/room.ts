import { Queue, yieldNow, type Operation, type Task } from "../../../shared/src/loop/index.js";
import { PROTOCOL_VERSION, type ErrorEvent, type RoomEvent, type ServerEvent, type ServerLimits } from "../../../shared/src/protocol/index.js";
import { nameKey, nameSkeleton, validateName } from "../text/index.js";
import { History } from "./history.js";
import { joinFrames, Member, type Codec, type Frame } from "./member.js";
import type { Outbox } from "./outbox.js";
import { ReservedNames } from "./reserved-names.js";

/** Broadcasts applied before the broadcaster gives the writers a turn. */
const BROADCAST_BATCH = 1024;

/** What sessions put on the broadcast queue; the broadcaster task applies them in order. */
type Broadcast =
  | { op: "enter"; member: Member }
  | { op: "leave"; member: Member; reason: string }
  | { op: "to everyone"; event: RoomEvent }
  | { op: "to members"; event: RoomEvent; to: Member[] }
  | { op: "to one"; event: ServerEvent; member: Member };

export interface RoomOptions {
  historySize: number;
  /** Broadcast "x joined" / "x left" (default true). */
  joinNotices?: boolean;
  /** Told to every member in the welcome. */
  limits: ServerLimits;
  /** How many broadcasts may wait for the broadcaster before senders wait (backpressure). */
  queueSize?: number;
  now?: () => number;
  /** Names kept for clients that bring their key (default none). */
  reserved?: ReservedNames;
}

/** A name a client asks for, with the key for a reserved name if it has one (WebSocket only). */
export interface NameOffer {
  name: string;
  key?: string;
}

/**
 * The one chat room (the lecture's chat server, minus the sockets). Names are claimed at once by
 * the session that asks; everything everyone sees — joins, leaves, renames, messages — goes
 * through one broadcast Queue, and a single broadcaster task hands each event to every member's
 * outbox, so all members see the same events in the same order.
 */
export class Room {
  /**
   * Claimed names by skeleton (`nameSkeleton`), including members still on their way in: one
   * map both refuses look-alikes and finds a name (whose letters are then compared exactly).
   */
  private readonly bySkeleton = new Map<string, Member>();
  /** Members receiving broadcasts, in joining order. */
  private readonly present = new Set<Member>();
  private readonly queue: Queue<Broadcast>;
  private readonly history: History;
  private readonly now: () => number;
  private readonly limits: ServerLimits;
  private readonly joinNotices: boolean;
  private readonly reserved: ReservedNames;
  /**
   * Events for everyone that the broadcaster has applied but not yet handed out: a *batch*,
   * handed to every outbox at once (empty whenever another task runs).
   */
  private batch: RoomEvent[] = [];
  /**
   * Members whose share of the batch is not all of it: who joined during it gets `batch[from ..]`
   * (not the events before, nor its own "joined"); who left gets up to its own "left" notice.
   */
  private partShares = new Map<Member, { from: number; to: number }>();
  /** Counts for GET /metrics. */
  readonly counters = { messagesIn: 0, deliveries: 0, drops: new Map<string, number>(), outboxHighWater: 0 };

  constructor(options: RoomOptions) {
    this.queue = new Queue<Broadcast>(options.queueSize ?? 10_000);
    this.history = new History(options.historySize);
    this.now = options.now ?? Date.now;
    this.limits = options.limits;
    this.joinNotices = options.joinNotices ?? true;
    this.reserved = options.reserved ?? new ReservedNames();
  }

  get online(): number {
    return this.present.size;
  }

  /** Names of the members present, in joining order. */
  users(): string[] {
    return [...this.present].map((m) => m.name);
  }

  /** Takes a name for a new member, or says why not. Call `enter` next. */
  claim(offer: NameOffer, outbox: Outbox, codec: Codec, session: Task<unknown>): { member: Member } | { error: ErrorEvent } {
    const checked = this.check(offer.name, offer.key, null);
    if (typeof checked !== "string") return { error: checked };
    const member = new Member(checked, outbox, codec, session);
    this.bySkeleton.set(nameSkeleton(checked), member);
    return { member };
  }

  *enter(member: Member): Operation<void> {
    yield* this.queue.put({ op: "enter", member });
  }

  *leave(member: Member, reason: string): Operation<void> {
    yield* this.queue.put({ op: "leave", member, reason });
  }

  *say(member: Member, text: string): Operation<void> {
    yield* this.queue.put({ op: "to everyone", event: { type: "message", from: member.name, text, at: this.now() } });
  }

  *act(member: Member, text: string): Operation<void> {
    yield* this.queue.put({ op: "to everyone", event: { type: "action", from: member.name, text, at: this.now() } });
  }

  /** A private message; false (and nothing sent) if nobody has that name. */
  *whisper(member: Member, toName: string, text: string): Operation<boolean> {
    // Exact letters (in any case): `/msg a1ice` must not reach alice.
    const target = this.bySkeleton.get(nameSkeleton(toName));
    if (target === undefined || nameKey(target.name) !== nameKey(toName) || !this.present.has(target)) return false;
    const event: RoomEvent = { type: "private", from: member.name, to: target.name, text, at: this.now() };
    yield* this.queue.put({ op: "to members", event, to: target === member ? [member] : [member, target] });
    return true;
  }

  /**
   * An answer for one member (a command's output or error). It goes through the same queue as
   * everything else, so a member sees the answers to what they typed in the order they typed it.
   */
  *tell(member: Member, event: ServerEvent): Operation<void> {
    yield* this.queue.put({ op: "to one", event, member });
  }

  /** Renames a member, or returns why not. */
  *rename(member: Member, rawName: string): Operation<ErrorEvent | null> {
    const to = this.check(rawName, undefined, member);
    if (typeof to !== "string") return to;
    const from = member.name;
    if (from === to) return null;
    this.bySkeleton.delete(nameSkeleton(from));
    this.bySkeleton.set(nameSkeleton(to), member);
    member.name = to;
    yield* this.queue.put({ op: "to everyone", event: { type: "renamed", from, to, at: this.now() } });
    return null;
  }

  /**
   * The cleaned name `renaming` (or a newcomer, when null) may take, or why not: valid, not kept
   * for another key, and no look-alike of anyone else's. A member may always respell its own
   * name (alice to Alice): what it holds is by definition not someone else's.
   */
  private check(rawName: string, key: string | undefined, renaming: Member | null): string | ErrorEvent {
    const checked = validateName(rawName);
    if (!checked.ok) return { type: "error", code: "name-invalid", text: checked.reason };
    const name = checked.name;
    const skeleton = nameSkeleton(name);
    const own = renaming !== null && nameSkeleton(renaming.name) === skeleton;
    if (!own && this.reserved.refuses(name, key)) return { type: "error", code: "name-invalid", text: `the name "${name}" is reserved` };
    const holder = this.bySkeleton.get(skeleton);
    if (holder === undefined || holder === renaming) return name;
    const text = nameKey(holder.name) === nameKey(name) ? `the name ${name} is taken` : `the name ${name} is too close to ${holder.name}, who is here`;
    return { type: "error", code: "name-taken", text };
  }

  /**
   * The broadcaster task: applies broadcasts in order, forever. After `BROADCAST_BATCH` of them
   * it lets everyone else run, so writers drain their outboxes before more lines pile up: in a
   * busy room the senders wait (the queue fills and their reads stop) rather than every reader
   * looking "too slow" to a broadcaster that never let them write.
   */
  *broadcaster(): Operation<never> {
    for (;;) {
      for (let n = 0; n < BROADCAST_BATCH; n++) {
        let b = this.queue.tryGet();
        if (b === undefined) {
          this.handOut(); // nothing more for now: hand out what was gathered before waiting
          b = yield* this.queue.get();
        }
        this.apply(b);
      }
      this.handOut();
      yield* yieldNow();
    }
  }

  /** Every member's outbox gets a last `event` and is closed (server shutdown). */
  announceAndClose(event: ServerEvent): void {
    for (const member of this.bySkeleton.values()) {
      member.outbox.force(member.codec.encode(event));
      member.outbox.close();
    }
  }

  /** Waits until every member's outbox is done: closed, and everything sent or given up. */
  *outboxesDone(): Operation<void> {
    for (const member of [...this.bySkeleton.values()]) yield* member.outbox.done();
  }

  private apply(b: Broadcast): void {
    if (b.op === "to everyone") {
      if (b.event.type === "message" || b.event.type === "action") {
        this.history.add(b.event);
        this.counters.messagesIn++;
      }
      this.batch.push(b.event);
      return;
    }
    // Join and leave notices travel in the batch too: a write per member per notice would make
    // thousands of members joining one after another cost millions of writes.
    switch (b.op) {
      case "enter": {
        const member = b.member;
        this.present.add(member);
        // Straight into its outbox: the joiner gets nothing of the batch before this point.
        member.send({
          type: "welcome",
          protocol: PROTOCOL_VERSION,
          name: member.name,
          users: this.users(),
          history: this.history.recent(),
          limits: this.limits,
        });
        if (this.joinNotices) this.batch.push({ type: "joined", name: member.name, at: this.now(), online: this.present.size });
        this.partShares.set(member, { from: this.batch.length, to: Infinity }); // not its own notice
        return;
      }
      case "leave": {
        // Everyone, the leaver included, sees the notice; then the leaver's outbox closes, after
        // everything queued for them before it (so a "/users" just before "/quit" is answered).
        const member = b.member;
        if (member.kickedFor !== null) this.counters.drops.set(member.kickedFor, (this.counters.drops.get(member.kickedFor) ?? 0) + 1);
        if (this.bySkeleton.get(nameSkeleton(member.name)) === member) this.bySkeleton.delete(nameSkeleton(member.name));
        if (!this.present.has(member)) {
          member.outbox.close(); // never in the room, or already gone: nothing of the batch is theirs
          return;
        }
        if (this.joinNotices) this.batch.push({ type: "left", name: member.name, reason: b.reason, at: this.now(), online: this.present.size - 1 });
        this.present.delete(member);
        const share = this.partShares.get(member);
        if (share === undefined) this.partShares.set(member, { from: 0, to: this.batch.length });
        else share.to = this.batch.length;
        return; // handOut delivers its share, then closes its outbox
      }
    }
    this.handOut(); // everything before this message reaches its members before it does
    switch (b.op) {
      case "to members":
        for (const member of b.to) if (this.present.has(member)) this.deliver(member, b.event);
        return;
      case "to one":
        if (this.present.has(b.member)) this.deliver(b.member, b.event);
        return;
    }
  }

  /**
   * Hands the batch of events for everyone to every member. A codec whose frames join into one
   * stream (netcat text) encodes the whole batch once into one Buffer, and each member gets that
   * same Buffer: per member, one offer per batch, however many lines it holds. Members who
   * joined or left during the batch get their part of it (`partShares`); a leaver's outbox
   * closes after its part.
   */
  private handOut(): void {
    const batch = this.batch;
    const partShares = this.partShares;
    if (batch.length === 0 && partShares.size === 0) return;
    this.batch = [];
    if (partShares.size > 0) this.partShares = new Map();
    const encodings = new Map<Codec, { each: Frame[]; whole: Frame[] }>();
    const framesFor = (codec: Codec, from: number, to: number): Frame[] => {
      let e = encodings.get(codec);
      if (e === undefined) {
        const each = batch.map((event) => codec.encode(event));
        e = { each, whole: codec.joinable && each.length > 1 ? [joinFrames(each)] : each };
        encodings.set(codec, e);
      }
      if (from === 0 && to >= batch.length) return e.whole;
      const part = e.each.slice(from, to);
      return codec.joinable && part.length > 1 ? [joinFrames(part)] : part;
    };
    for (const member of this.present) {
      const share = partShares.size === 0 ? undefined : partShares.get(member);
      if (share === undefined) this.offerShare(member, framesFor(member.codec, 0, batch.length), batch.length);
      else this.offerShare(member, framesFor(member.codec, share.from, share.to), Math.min(share.to, batch.length) - share.from);
    }
    for (const [member, share] of partShares) {
      if (this.present.has(member)) continue;
      this.offerShare(member, framesFor(member.codec, share.from, share.to), share.to - share.from); // it left during the batch
      member.outbox.close();
    }
  }

  /** One member's share of the batch: its frames, or "too slow" when its outbox is full. */
  private offerShare(member: Member, frames: Frame[], events: number): void {
    if (events <= 0) return;
    for (const frame of frames) {
      if (!member.outbox.offer(frame)) {
        this.tooSlow(member);
        return;
      }
    }
    this.counters.deliveries += events;
    this.noteOutbox(member.outbox);
  }

  private noteOutbox(outbox: Outbox): void {
    if (outbox.size > this.counters.outboxHighWater) this.counters.outboxHighWater = outbox.size;
  }

  private deliver(member: Member, event: ServerEvent): void {
    if (!member.send(event)) this.tooSlow(member);
    else this.delivered(member);
  }

  private delivered(member: Member): void {
    this.counters.deliveries++;
    this.noteOutbox(member.outbox);
  }

  private tooSlow(member: Member): void {
    member.kick("too slow", {
      type: "error",
      code: "too-slow",
      text: "you are not reading fast enough and are being disconnected",
    });
  }
}
