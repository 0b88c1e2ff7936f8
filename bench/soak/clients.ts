/**
 * The soak's netcat clients (plain Node `net`, outside our loop). A `SoakClient` is one of
 * thousands: it reads into one shared buffer (`onread`), finds message lines by their bytes and
 * folds each message id into its `Tally`, so its memory does not grow with what it receives.
 * The `Observer` is the one member that never leaves: it records the server's whole order, read
 * through bench/common's line client.
 */
import { connect, type Socket } from "node:net";
import { LineClient, openSocket } from "../common/line-client.js";
import type { Fate, MemberRecord } from "./checker.js";
import { firstName, OrderRecorder } from "./order.js";
import { idText, Tally } from "./tally.js";

const LF = 10;
const CR = 13;
const SPACE = 0x20;
const BANG = 0x21;
const STAR = 0x2a;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const GT = 0x3e;
const BRACKET = 0x5b;
const TILDE = 0x7e;

/** The last line of a welcome: what follows is the member's share. */
const READY = "* Type a line to talk to everyone";
const DROP_NOTICE = "not reading fast enough";
const SHUTDOWN = "* The server is shutting down";

/** What the driver hears from its clients. */
export interface ClientEvents {
  /** It read the end of its welcome: it is in the room. */
  welcomed(client: SoakClient): void;
  /** Its connection closed (for whatever reason). */
  closed(client: SoakClient): void;
  /** It received the observer's final marker. */
  marker(client: SoakClient): void;
}

/** Every client reads into this buffer: safe because each chunk is parsed to the end at once. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** Lines read by all soak clients in the room (for the progress lines). */
export const readStats = { lines: 0, reads: 0 };

const stripPrompt = (text: string): string => text.replace(/^(Username: )+/, "");

export class SoakClient implements MemberRecord {
  how: Fate = "stayed";
  welcomed = false;
  readonly tally = new Tally(true);
  sent = 0;
  dropNotice = false;
  foreign = 0;
  firstForeign: string | null = null;
  /** Renames asked for (names n<index>-<k>). */
  renames = 0;
  closed = false;
  /** Why it could not join (the server's line), if it could not. */
  refused: string | null = null;
  /** A socket error, if any (a reset we did not cause is worth reporting). */
  error: string | null = null;
  shutdownNotice = false;
  gotMarker = false;
  /** The driver waits for this one's marker. */
  awaitingMarker = false;
  /** Its place in the driver's list of members in the room; -1 when not in it. */
  slot = -1;
  private socket: Socket | null;
  private partial: Buffer | null = null;

  constructor(
    readonly index: number,
    host: string,
    port: number,
    private readonly events: ClientEvents,
  ) {
    const socket = connect({
      host,
      port,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.onBytes((buffer as Buffer).subarray(0, bytes));
          return true;
        },
      },
    });
    this.socket = socket;
    socket.setNoDelay(true);
    // The name goes at once: the server reads it after its banner and prompt.
    socket.on("connect", () => socket.write(`${firstName(index)}\r\n`));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.error ??= error.code ?? error.message;
    });
    socket.on("close", () => {
      this.closed = true;
      this.socket = null;
      this.partial = null;
      this.events.closed(this);
    });
  }

  /** Sends `count` messages (its next ids) in one write. */
  say(count: number): void {
    let lines = "";
    for (let i = 0; i < count; i++) lines += `${idText(this.index, this.sent++)}\r\n`;
    this.write(lines);
  }

  /** Writes raw text (lines with their CRLF). */
  write(text: string): void {
    this.socket?.write(text);
  }

  /** Gone without a word: the socket is destroyed (what is unsent or in flight is lost). */
  destroy(): void {
    this.socket?.destroy();
  }

  private onBytes(chunk: Buffer): void {
    readStats.reads++;
    let data = chunk;
    if (this.partial !== null) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let start = 0;
    for (;;) {
      const lf = data.indexOf(LF, start);
      if (lf < 0) break;
      const end = lf > start && data[lf - 1] === CR ? lf - 1 : lf;
      if (this.welcomed) this.roomLine(data, start, end);
      else this.lobbyLine(stripPrompt(data.toString("utf8", start, end)));
      start = lf + 1;
    }
    // Copy the rest: the shared buffer is overwritten by the next read.
    if (start < data.length) this.partial = Buffer.from(data.subarray(start));
  }

  /** Before the end of its welcome: the banner, the welcome, the history replay (not deliveries). */
  private lobbyLine(text: string): void {
    if (text.startsWith(READY)) {
      this.welcomed = true;
      this.events.welcomed(this);
    } else if (text.startsWith("! ")) {
      this.refused ??= text;
      this.socket?.destroy();
    }
  }

  /** A line in the room: "[hh:mm] <name> ~S.Q" is a message; notices are skipped by their first byte. */
  private roomLine(data: Buffer, start: number, end: number): void {
    readStats.lines++;
    const first = data[start];
    if (first === BRACKET) {
      let i = start + 1;
      while (i < end && data[i] !== GT) i++;
      if (i + 3 < end && data[i + 1] === SPACE && data[i + 2] === TILDE) {
        i += 3;
        let sender = 0;
        let seq = 0;
        let c = 0;
        const senderStart = i;
        while (i < end && (c = data[i] as number) >= ZERO && c <= NINE) (sender = sender * 10 + c - ZERO), i++;
        if (i > senderStart && i < end && data[i] === DOT) {
          const seqStart = ++i;
          while (i < end && (c = data[i] as number) >= ZERO && c <= NINE) (seq = seq * 10 + c - ZERO), i++;
          if (i === end && i > seqStart) {
            this.tally.add(sender, seq);
            if (sender === 0) {
              this.gotMarker = true;
              if (this.awaitingMarker) this.events.marker(this);
            }
            return;
          }
        }
      }
      this.foreignLine(data.toString("utf8", start, end));
    } else if (first === STAR) {
      // "* x joined", "* x left", "* x is now known as y": the observer records those.
      if (data[start + 2] === 0x54 /* T */ && data.toString("utf8", start, end).startsWith(SHUTDOWN)) this.shutdownNotice = true;
    } else {
      const text = data.toString("utf8", start, end);
      if (first === BANG && text.includes(DROP_NOTICE)) this.dropNotice = true;
      else this.foreignLine(text);
    }
  }

  private foreignLine(text: string): void {
    this.foreign++;
    this.firstForeign ??= text;
  }
}

/** The member that never leaves: every line after its welcome goes to the order. */
export class Observer {
  readonly order = new OrderRecorder();
  private welcomed = false;

  private constructor(
    private readonly lines: LineClient,
    changed: () => void,
  ) {
    lines.socket.setNoDelay(true);
    lines.onLine = (raw) => {
      if (this.welcomed) this.order.line(raw);
      else if (stripPrompt(raw).startsWith(READY)) this.welcomed = true;
      changed();
    };
    lines.socket.once("close", changed);
  }

  /** Connects and joins as "observer"; resolves once its welcome is complete. */
  static async join(host: string, port: number, changed: () => void, deadlineMs: number): Promise<Observer> {
    const start = performance.now();
    const lines = new LineClient(await openSocket(port, { host, timeoutMs: deadlineMs }), { keep: 0, stripPrompt: false });
    const observer = new Observer(lines, changed);
    lines.send(firstName(0));
    const over = await lines.holds(() => observer.welcomed || lines.closed, deadlineMs - (performance.now() - start));
    if (!observer.welcomed) {
      lines.close();
      throw new Error(over ? "the observer's connection closed before its welcome" : `the observer was not welcomed within ${deadlineMs} ms`);
    }
    return observer;
  }

  get closed(): boolean {
    return this.lines.closed;
  }

  send(line: string): void {
    this.lines.send(line);
  }

  close(): void {
    this.lines.close();
  }
}
