/**
 * Frames a byte stream into lines, with a bound on line length.
 *
 * Only complete lines come out: ncat --chat broadcasts whatever one `recv()` returned, so a line split
 * across TCP segments reaches the room as garbled fragments. Line endings are LF, CRLF and CR NUL
 * (RFC 1123 §3.3.1: telnet clients may send any of them). A bare CR is dropped: it would move another
 * user's cursor back to the start of the line (see node-irc's bare-CR injection, GHSA-52rh-5rpj-c3w6).
 * An over-long line is reported once and skipped to its end, so memory per connection stays bounded
 * (tokio's `LinesCodec::new_with_max_length` policy).
 */

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;

/** What `LineSplitter` produces: a complete line, or the signal that a line passed `maxBytes`. */
export type SplitResult =
  /** A complete line without its ending; a copy the caller owns. Not yet decoded: bytes, not text. */
  | { readonly kind: "line"; readonly line: Buffer }
  /** A line went past `maxBytes`; the splitter drops the rest of it up to its ending. */
  | { readonly kind: "tooLong" };

export interface LineSplitterOptions {
  /** Longest accepted line, in bytes, not counting its ending. */
  maxBytes: number;
}

const TOO_LONG: SplitResult = Object.freeze({ kind: "tooLong" });

/** Smallest buffer allocated for a partial line, so short lines do not reallocate byte by byte. */
const MIN_CAPACITY = 256;

/**
 * Splits a byte stream into lines. Results are the same for every chunking of the same stream,
 * including a CRLF or CR NUL split across two chunks.
 */
export class LineSplitter {
  private readonly maxBytes: number;
  /**
   * Content of the unfinished line: `buf[0 .. len)`. Grows on demand, never past `maxBytes`, and
   * exists only while a line is unfinished: an idle connection holds no buffer.
   */
  private buf: Buffer | null = null;
  private len = 0;
  /** The previous chunk ended in CR: the next byte decides whether it is an ending (NUL, LF) or bare. */
  private pendingCR = false;
  /** After a `tooLong`: drop bytes up to the end of that line. */
  private discarding = false;

  constructor(options: LineSplitterOptions) {
    const { maxBytes } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Bytes of the unfinished line held in memory (line ending excluded). Never more than `maxBytes`:
   * the server can rely on it to bound unread input per connection.
   */
  get pendingBytes(): number {
    return this.len;
  }

  /** Feeds the next chunk; returns the lines it completed and any `tooLong` signals, in stream order. */
  push(chunk: Uint8Array): SplitResult[] {
    const out: SplitResult[] = [];
    const n = chunk.length;
    let i = 0;
    if (this.pendingCR && n > 0) {
      this.pendingCR = false;
      // CR NUL ends the line. CR LF: the loop below ends the line at the LF. Anything else: bare CR, gone.
      if (chunk[0] === NUL) {
        this.endLine(out);
        i = 1;
      }
    }
    let runStart = i; // start of the content bytes not yet appended
    // Jump from one CR or LF to the next with indexOf (native, like memchr): junk without line
    // endings is scanned at memory speed, not a JavaScript loop iteration per byte.
    let nextLF = chunk.indexOf(LF, i);
    let nextCR = chunk.indexOf(CR, i);
    for (;;) {
      if (nextLF !== -1 && nextLF < i) nextLF = chunk.indexOf(LF, i);
      if (nextCR !== -1 && nextCR < i) nextCR = chunk.indexOf(CR, i);
      if (nextLF === -1 && nextCR === -1) break;
      i = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      const b = chunk[i];
      if (b === LF && this.len === 0 && !this.discarding) {
        this.emit(chunk, runStart, i, out); // the whole line is in this chunk: no partial-line buffer
        runStart = ++i;
        continue;
      }
      this.append(chunk, runStart, i, out);
      runStart = i + 1;
      if (b === LF) {
        this.endLine(out);
      } else if (i + 1 === n) {
        this.pendingCR = true; // decided by the next chunk (or dropped at EOF)
      } else if (chunk[i + 1] === NUL) {
        this.endLine(out);
        i++;
        runStart = i + 1;
      }
      // else: CR LF (the LF ends the line next iteration) or a bare CR; the CR is not content either way.
      i++;
    }
    this.append(chunk, runStart, n, out);
    return out;
  }

  /**
   * Call at EOF: returns the last line if it had no ending and is not empty, and resets the splitter.
   * A trailing CR is dropped like any bare CR.
   */
  end(): SplitResult[] {
    const out: SplitResult[] = [];
    if (!this.discarding && this.len > 0) this.endLine(out);
    this.buf = null;
    this.len = 0;
    this.pendingCR = false;
    this.discarding = false;
    return out;
  }

  /** Adds `chunk[from .. to)` to the current line, or signals `tooLong` when it would pass the limit. */
  private append(chunk: Uint8Array, from: number, to: number, out: SplitResult[]): void {
    if (this.discarding || from === to) return;
    const needed = this.len + (to - from);
    if (needed > this.maxBytes) {
      out.push(TOO_LONG);
      this.discarding = true;
      this.len = 0; // the prefix is dropped too: the line is rejected as a whole
      this.buf = null;
      return;
    }
    let buf = this.buf;
    if (buf === null || buf.length < needed) {
      // Double, but never beyond maxBytes: a rejected line can never make us allocate more.
      const capacity = Math.min(this.maxBytes, Math.max(MIN_CAPACITY, needed, (buf?.length ?? 0) * 2));
      const grown = Buffer.allocUnsafe(capacity);
      if (buf !== null) buf.copy(grown, 0, 0, this.len);
      this.buf = buf = grown;
    }
    buf.set(chunk.subarray(from, to), this.len);
    this.len = needed;
  }

  /** A complete line `chunk[from .. to)` with nothing before it: copied out as it is. */
  private emit(chunk: Uint8Array, from: number, to: number, out: SplitResult[]): void {
    if (to - from > this.maxBytes) out.push(TOO_LONG);
    else out.push({ kind: "line", line: Buffer.from(chunk.subarray(from, to)) });
  }

  /** A line ending was seen: emit the line (unless it was too long), start the next. */
  private endLine(out: SplitResult[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    // Copy out, so the caller may keep the line while the buffer is reused.
    const line = Buffer.allocUnsafe(this.len);
    if (this.buf !== null) this.buf.copy(line, 0, 0, this.len);
    out.push({ kind: "line", line });
    this.len = 0;
    this.buf = null;
  }
}
