import { Event, Queue, yieldNow, type Operation, type Task } from "../../../shared/src/loop/index.js";
import { PROTOCOL_VERSION, type ErrorEvent, type RoomEvent, type ServerEvent, type ServerLimits } from "../../../shared/src/protocol/index.js";
import { nameKey, validateName } from "../text/index.js";
import { History } from "./history.js";
import { joinFrames, Member, type Codec, type Frame } from "./member.js";
import type { Outbox } from "./outbox.js";

/** Broadcasts applied before the broadcaster gives the writers a turn. */
const BROADCAST_BATCH = 1024;

/** What sessions put on the broadcast queue; the broadcaster task applies them in order. */
type Broadcast =
  | { op: "enter"; member: Member }
  | { op: "leave"; member: Member; reason: string }
  | { op: "all"; event: RoomEvent }
  | { op: "some"; event: RoomEvent; to: Member[] }
  | { op: "tell"; event: ServerEvent; member: Member };

export interface RoomOptions {
  historySize: number;
  /** Broadcast "x joined" / "x left" (default true). */
  joinNotices?: boolean;
  /** Told to every member in the welcome. */
  limits: ServerLimits;
  /** How many broadcasts may wait for the broadcaster before senders wait (backpressure). */
  queueSize?: number;
  now?: () => number;
}

/**
 * The one chat room (the lecture's chat server, minus the sockets). Names are claimed at once by
 * the session that asks; everything everyone sees — joins, leaves, renames, messages — goes
 * through one broadcast Queue, and a single broadcaster task hands each event to every member's
 * outbox, so all members see the same events in the same order.
 */
export class Room {
  /** Claimed names (lower-cased key), including members still on their way in. */
  private readonly byName = new Map<string, Member>();
  /** Members receiving broadcasts, in joining order. */
  private readonly present = new Set<Member>();
  private readonly queue: Queue<Broadcast>;
  private readonly history: History;
  private readonly now: () => number;
  private readonly limits: ServerLimits;
  private readonly joinNotices: boolean;
  /** Events for everyone gathered by the broadcaster, not yet in any outbox (empty whenever another task runs). */
  private run: RoomEvent[] = [];
  /**
   * Members whose share of the run is not all of it: who joined during it gets `run[from ..]`
   * (not the events before, nor its own "joined"); who left gets up to its own "left" notice.
   */
  private runSpans = new Map<Member, { from: number; to: number }>();
  private writersRunning = 0;
  private readonly writersDone = new Event();
  /** Counts for GET /metrics. */
  readonly counters = { messagesIn: 0, deliveries: 0, drops: new Map<string, number>(), outboxHighWater: 0 };

  constructor(options: RoomOptions) {
    this.queue = new Queue<Broadcast>(options.queueSize ?? 10_000);
    this.history = new History(options.historySize);
    this.now = options.now ?? Date.now;
    this.limits = options.limits;
    this.joinNotices = options.joinNotices ?? true;
    this.writersDone.set();
  }

  get online(): number {
    return this.present.size;
  }

  /** Names of the members present, in joining order. */
  users(): string[] {
    return [...this.present].map((m) => m.name);
  }

  /** Takes a name for a new member, or says why not. Call `enter` next. */
  claim(
    rawName: string,
    outbox: Outbox,
    codec: Codec,
    session: Task<unknown>,
  ): { member: Member } | { error: ErrorEvent } {
    const checked = validateName(rawName);
    if (!checked.ok) return { error: { type: "error", code: "name-invalid", text: checked.reason } };
    const key = nameKey(checked.name);
    if (this.byName.has(key)) {
      return { error: { type: "error", code: "name-taken", text: `the name ${checked.name} is taken` } };
    }
    const member = new Member(checked.name, outbox, codec, session);
    this.byName.set(key, member);
    return { member };
  }

  *enter(member: Member): Operation<void> {
    yield* this.queue.put({ op: "enter", member });
  }

  *leave(member: Member, reason: string): Operation<void> {
    yield* this.queue.put({ op: "leave", member, reason });
  }

  *say(member: Member, text: string): Operation<void> {
    yield* this.queue.put({ op: "all", event: { type: "message", from: member.name, text, at: this.now() } });
  }

  *act(member: Member, text: string): Operation<void> {
    yield* this.queue.put({ op: "all", event: { type: "action", from: member.name, text, at: this.now() } });
  }

  /** A private message; false (and nothing sent) if nobody has that name. */
  *whisper(member: Member, toName: string, text: string): Operation<boolean> {
    const target = this.byName.get(nameKey(toName));
    if (target === undefined || !this.present.has(target)) return false;
    const event: RoomEvent = { type: "private", from: member.name, to: target.name, text, at: this.now() };
    yield* this.queue.put({ op: "some", event, to: target === member ? [member] : [member, target] });
    return true;
  }

  /**
   * An answer for one member (a command's output or error). It goes through the same queue as
   * everything else, so a member sees the answers to what they typed in the order they typed it.
   */
  *tell(member: Member, event: ServerEvent): Operation<void> {
    yield* this.queue.put({ op: "tell", event, member });
  }

  /** Renames a member, or returns why not. */
  *rename(member: Member, rawName: string): Operation<ErrorEvent | null> {
    const checked = validateName(rawName);
    if (!checked.ok) return { type: "error", code: "name-invalid", text: checked.reason };
    const key = nameKey(checked.name);
    const holder = this.byName.get(key);
    if (holder !== undefined && holder !== member) {
      return { type: "error", code: "name-taken", text: `the name ${checked.name} is taken` };
    }
    const from = member.name;
    if (from === checked.name) return null;
    this.byName.delete(nameKey(from));
    this.byName.set(key, member);
    member.name = checked.name;
    yield* this.queue.put({ op: "all", event: { type: "renamed", from, to: checked.name, at: this.now() } });
    return null;
  }

  /**
   * The broadcaster task: applies broadcasts in order, forever. After a batch it lets everyone
   * else run, so writers drain their outboxes before more lines pile up: in a busy
   * room the senders wait (the queue fills and their reads stop) rather than every reader
   * looking "too slow" to a broadcaster that never let them write.
   */
  *broadcaster(): Operation<never> {
    for (;;) {
      for (let n = 0; n < BROADCAST_BATCH; n++) {
        let b = this.queue.tryGet();
        if (b === undefined) {
          this.flushRun(); // nothing more for now: hand out what was gathered before waiting
          b = yield* this.queue.get();
        }
        this.apply(b);
      }
      this.flushRun();
      yield* yieldNow();
    }
  }

  /** Every member's outbox gets a last `event` and is closed (server shutdown). */
  announceAndClose(event: ServerEvent): void {
    for (const member of this.byName.values()) {
      member.outbox.force(member.codec.encode(event));
      member.outbox.close();
    }
  }

  /** Writer tasks report here so a shutdown can wait until every outbox has been flushed. */
  writerStarted(): void {
    this.writersRunning++;
    this.writersDone.clear();
  }

  writerEnded(): void {
    if (--this.writersRunning === 0) this.writersDone.set();
  }

  *allWritersEnded(): Operation<void> {
    yield* this.writersDone.wait();
  }

  private apply(b: Broadcast): void {
    if (b.op === "all") {
      if (b.event.type === "message" || b.event.type === "action") {
        this.history.add(b.event);
        this.counters.messagesIn++;
      }
      this.run.push(b.event);
      return;
    }
    // Joins and leaves join the run too (a join notice per member per write, 5,000 members
    // joining one after another, made the ramp of a soak take minutes).
    switch (b.op) {
      case "enter": {
        const member = b.member;
        this.present.add(member);
        // Straight into its outbox: the joiner gets nothing of the run before this point.
        member.send({
          type: "welcome",
          protocol: PROTOCOL_VERSION,
          name: member.name,
          users: this.users(),
          history: this.history.recent(),
          limits: this.limits,
        });
        if (this.joinNotices) this.run.push({ type: "joined", name: member.name, at: this.now(), online: this.present.size });
        this.runSpans.set(member, { from: this.run.length, to: Infinity }); // not its own notice
        return;
      }
      case "leave": {
        // Everyone, the leaver included, sees the notice; then the leaver's outbox closes, after
        // everything queued for them before it (so a "/users" just before "/quit" is answered).
        const member = b.member;
        if (member.kickedFor !== null) this.counters.drops.set(member.kickedFor, (this.counters.drops.get(member.kickedFor) ?? 0) + 1);
        if (this.byName.get(nameKey(member.name)) === member) this.byName.delete(nameKey(member.name));
        if (!this.present.has(member)) {
          member.outbox.close(); // never in the room, or already gone: nothing of the run is theirs
          return;
        }
        if (this.joinNotices) this.run.push({ type: "left", name: member.name, reason: b.reason, at: this.now(), online: this.present.size - 1 });
        this.present.delete(member);
        const span = this.runSpans.get(member);
        if (span === undefined) this.runSpans.set(member, { from: 0, to: this.run.length });
        else span.to = this.run.length;
        return; // flushRun delivers its share, then closes its outbox
      }
    }
    this.flushRun(); // everything before this message reaches its members before it does
    switch (b.op) {
      case "some":
        for (const member of b.to) if (this.present.has(member)) this.deliver(member, b.event);
        return;
      case "tell":
        if (this.present.has(b.member)) this.deliver(b.member, b.event);
        return;
    }
  }

  /**
   * Hands the run of events for everyone to every member. A codec whose frames join into one
   * stream (netcat text) encodes the whole run once into one Buffer, and each member gets that
   * same Buffer: per member, one offer per batch, however many lines it holds. Members who
   * joined or left during the run get their part of it (`runSpans`); a leaver's outbox closes
   * after its part.
   */
  private flushRun(): void {
    const run = this.run;
    const spans = this.runSpans;
    if (run.length === 0 && spans.size === 0) return;
    this.run = [];
    if (spans.size > 0) this.runSpans = new Map();
    const encodings = new Map<Codec, { each: Frame[]; whole: Frame[] }>();
    const framesFor = (codec: Codec, from: number, to: number): Frame[] => {
      let e = encodings.get(codec);
      if (e === undefined) {
        const each = run.map((event) => codec.encode(event));
        e = { each, whole: codec.joinable && each.length > 1 ? [joinFrames(each)] : each };
        encodings.set(codec, e);
      }
      if (from === 0 && to >= run.length) return e.whole;
      const part = e.each.slice(from, to);
      return codec.joinable && part.length > 1 ? [joinFrames(part)] : part;
    };
    for (const member of this.present) {
      const span = spans.size === 0 ? undefined : spans.get(member);
      if (span === undefined) this.offerRun(member, framesFor(member.codec, 0, run.length), run.length);
      else this.offerRun(member, framesFor(member.codec, span.from, span.to), Math.min(span.to, run.length) - span.from);
    }
    for (const [member, span] of spans) {
      if (this.present.has(member)) continue;
      this.offerRun(member, framesFor(member.codec, span.from, span.to), span.to - span.from); // it left during the run
      member.outbox.close();
    }
  }

  /** One member's share of the run: its frames, or "too slow" when its outbox is full. */
  private offerRun(member: Member, frames: Frame[], events: number): void {
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
