/**
 * Who is in the room while one address floods it: a watcher that reads as fast as it can and
 * notes when each of the attackers' lines and notices arrives, and members that read slowly, as
 * on a slow link: each pauses its socket after every chunk for as long as that chunk takes at its
 * rate, so TCP pushes back on the server as a slow reader's would.
 */
import type { Socket } from "node:net";
import { closeAll, Member } from "./wire.js";

const KiB = 1024;

/** Members on slow links: a flood from one address must not push more at them than they can take. */
const SLOW_READERS = [
  { name: "reader256k", label: "256 KiB/s", bytesPerSecond: 256 * KiB },
  { name: "reader1m", label: "1 MiB/s", bytesPerSecond: 1024 * KiB },
] as const;

/** Reads `socket` at no more than `bytesPerSecond`: after each chunk, a pause as long as the chunk takes at that rate. */
function readAt(socket: Socket, bytesPerSecond: number): void {
  socket.on("data", (chunk: string | Buffer) => {
    socket.pause();
    setTimeout(() => socket.resume(), (chunk.length / bytesPerSecond) * 1000);
  });
}

export interface ReaderFate {
  name: string;
  label: string;
  /** Why the server made it leave (the watcher's "left (reason; …)" notice), or null if it stayed. */
  leftFor: string | null;
  /** When the watcher saw it leave, ms after the `since` given to `readerFates`. */
  leftAtMs: number | null;
  /** What it had read by then, bytes. */
  bytesRead: number;
}

export class Audience {
  /** When each of the attackers' messages reached the watcher (performance.now()), in order. */
  readonly messages: number[] = [];
  /** When each of the attackers' join or leave notices reached it. */
  readonly notices: number[] = [];
  /** The joins among them. */
  readonly joins: number[] = [];
  private readonly readerLeft = new Map<string, { reason: string; at: number }>();

  private constructor(
    private readonly watcher: Member,
    private readonly slow: Member[],
    attackerPrefix: string,
  ) {
    const message = new RegExp(`^\\[\\d\\d:\\d\\d\\] <${attackerPrefix}\\d+> `);
    const notice = new RegExp(`^\\* ${attackerPrefix}\\d+ (joined|left) \\(`);
    const readerLeft = /^\* (reader\w+) left \(([^;]+);/;
    watcher.onLine = (line, at) => {
      if (message.test(line)) {
        this.messages.push(at);
        return;
      }
      const n = notice.exec(line);
      if (n !== null) {
        this.notices.push(at);
        if (n[1] === "joined") this.joins.push(at);
        return;
      }
      const r = readerLeft.exec(line);
      if (r !== null) this.readerLeft.set(r[1] as string, { reason: r[2] as string, at });
    };
  }

  /** The watcher and the slow readers join (from the pair's address); the attackers' names are `<prefix><n>`. */
  static async join(port: number, attackerPrefix: string): Promise<Audience> {
    const watcher = await Member.join(port, "watcher");
    const readers: Member[] = [];
    try {
      for (const r of SLOW_READERS) {
        const member = await Member.join(port, r.name);
        readers.push(member);
        readAt(member.socket, r.bytesPerSecond);
      }
    } catch (error) {
      await closeAll([watcher.socket, ...readers.map((m) => m.socket)]);
      throw error;
    }
    return new Audience(watcher, readers, attackerPrefix);
  }

  /** Joins seen minus leaves seen: attackers still in the room as far as the watcher knows. */
  get attackersInRoom(): number {
    return 2 * this.joins.length - this.notices.length;
  }

  /** Whether the server dropped the watcher itself (then its counts stop there). */
  get watcherClosed(): boolean {
    return this.watcher.closed;
  }

  /** What became of each slow reader; times in ms after `since` (a performance.now()). */
  readerFates(since: number): ReaderFate[] {
    return SLOW_READERS.map((r, i) => {
      const left = this.readerLeft.get(r.name);
      return {
        name: r.name,
        label: r.label,
        leftFor: left?.reason ?? null,
        leftAtMs: left === undefined ? null : left.at - since,
        bytesRead: this.slow[i]?.bytesIn ?? 0,
      };
    });
  }

  async close(): Promise<void> {
    await closeAll([this.watcher.socket, ...this.slow.map((m) => m.socket)]);
  }
}
