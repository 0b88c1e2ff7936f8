import { currentTask } from "../current.js";
import type { Suspend } from "../park.js";
import type { Operation } from "../task.js";
import type { SocketWatch } from "./socket-watch.js";

/** `readLine` met a line longer than its limit. The stream stays usable: the next call returns the line after it. */
export class LineTooLong extends Error {
  override name = "LineTooLong";
  constructor(readonly maxBytes: number) {
    super(`line longer than ${maxBytes} bytes`);
  }
}

export interface ReadLineOptions {
  /** Longest accepted line, in bytes, without its line ending. Default 64 KiB. */
  maxBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Reads a socket in the readiness style: wait until it is readable, then take what is there.
 * On top of that, `readLine` splits the byte stream into lines ending in LF or CRLF.
 */
export class StreamReader {
  /** Bytes received but not yet returned. */
  private pending: Buffer | null = null;
  /** How much of `pending` is known to hold no LF, so each byte is scanned once. */
  private scanned = 0;
  /** After a LineTooLong: skip bytes up to and including the next LF. */
  private discarding = false;

  constructor(private readonly watch: SocketWatch) {}

  /** What is there now: bytes, `null` at EOF, or `undefined` if nothing has arrived yet. Never waits. */
  tryRead(): Buffer | null | undefined {
    if (this.pending !== null) {
      const bytes = this.pending;
      this.pending = null;
      this.scanned = 0;
      return bytes;
    }
    return this.readNow();
  }

  /**
   * The lecture's `yield ('read_wait', sock)` trap: registers the current task to be woken when
   * the socket is readable and returns the park signal, which the caller yields
   * (`yield reader.readWait()`, not `yield*`: no frame, see shared/README.md), then calls
   * `tryRead()` again.
   */
  readWait(): Suspend {
    return this.watch.waitReadable(currentTask());
  }

  /** The next bytes available (whatever arrived), or `null` at EOF. Throws the socket's error. */
  *read(): Operation<Buffer | null> {
    let chunk = this.tryRead();
    while (chunk === undefined) {
      yield this.readWait();
      chunk = this.tryRead();
    }
    return chunk;
  }

  /**
   * The next line without its ending (LF or CRLF), decoded as UTF-8; `null` at EOF.
   * A last line without a newline before EOF is returned as a line.
   * A line over `maxBytes` throws `LineTooLong` as soon as the limit is passed (without waiting
   * for its end), and the rest of that line is skipped.
   */
  *readLine(options: ReadLineOptions = {}): Operation<string | null> {
    const maxBytes = options.maxBytes ?? 64 * 1024;
    for (;;) {
      const pending = this.pending;
      if (pending !== null) {
        const newline = pending.indexOf(LF, this.scanned);
        if (this.discarding) {
          this.take(newline < 0 ? pending.length : newline + 1);
          if (newline >= 0) this.discarding = false;
          continue;
        }
        if (newline >= 0) {
          const end = newline > 0 && pending[newline - 1] === CR ? newline - 1 : newline;
          const line = pending.toString("utf8", 0, end);
          this.take(newline + 1);
          if (end > maxBytes) throw new LineTooLong(maxBytes);
          return line;
        }
        this.scanned = pending.length;
        const allowance = pending[pending.length - 1] === CR ? 1 : 0; // a CR may be half of CRLF
        if (pending.length > maxBytes + allowance) {
          this.take(pending.length);
          this.discarding = true;
          throw new LineTooLong(maxBytes);
        }
      }
      let chunk = this.readNow();
      while (chunk === undefined) {
        yield this.readWait(); // read_wait, as in read()
        chunk = this.readNow();
      }
      if (chunk === null) {
        const rest = this.pending;
        this.pending = null;
        this.scanned = 0;
        if (rest === null || this.discarding) return null;
        return rest.toString("utf8");
      }
      this.pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
    }
  }

  /** Drops the first `n` bytes of `pending`. */
  private take(n: number): void {
    const pending = this.pending as Buffer;
    this.pending = n >= pending.length ? null : pending.subarray(n);
    this.scanned = 0;
  }

  /** What the socket has now: bytes, `null` at EOF, or `undefined` if nothing yet. Throws the socket's error. */
  private readNow(): Buffer | null | undefined {
    const watch = this.watch;
    do {
      if (watch.error !== null) throw watch.error;
      const chunk = watch.socket.read() as Buffer | null;
      if (chunk !== null) return chunk;
      if (watch.eof) return null;
    } while (watch.readReady); // an error arrived, or bytes read() did not hand over: look again
    return undefined;
  }
}
