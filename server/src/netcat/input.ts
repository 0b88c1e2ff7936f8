import type { Operation, StreamReader } from "../../../shared/src/loop/index.js";
import { applyBackspaces, decodeLine, LineSplitter, sanitize, TelnetFilter, type SplitResult } from "../text/index.js";

/** `text` is the clean line; `raw` what was typed (decoded, Backspace applied), to tell why a line shows nothing. */
export type InputLine = { text: string; raw: string } | { tooLong: true };

const NONE: SplitResult[] = [];

/**
 * What a netcat or telnet user typed, one clean line at a time: telnet negotiation removed,
 * lines split on LF, CRLF or CR NUL, each decoded as UTF-8 on its own, Backspace/DEL applied,
 * and stripped of control characters and terminal escapes. Only complete lines come out.
 */
export class NetcatInput {
  private readonly telnet = new TelnetFilter();
  private readonly splitter: LineSplitter;
  /** Lines split but not yet taken: `pending[taken ..]` (a shared empty array while idle). */
  private pending: SplitResult[] = NONE;
  private taken = 0;
  private eof = false;

  constructor(
    readonly reader: StreamReader,
    maxBytes: number,
  ) {
    this.splitter = new LineSplitter({ maxBytes });
  }

  /** Lines received but not yet taken: how far a flooder is ahead of the rate limit. */
  get backlog(): number {
    return this.pending.length - this.taken;
  }

  /** The next line, `{ tooLong }`, null at EOF, or undefined when more must be read first (`feed`). */
  take(): InputLine | null | undefined {
    const result = this.pending[this.taken];
    if (result === undefined) return this.eof ? null : undefined;
    if (++this.taken === this.pending.length) {
      this.pending = NONE;
      this.taken = 0;
    }
    if (!("line" in result)) return { tooLong: true };
    const raw = applyBackspaces(decodeLine(result.line));
    return { text: sanitize(raw), raw };
  }

  /** What the socket gave: a chunk, or null at EOF. */
  feed(chunk: Buffer | null): void {
    const results = chunk === null ? this.splitter.end() : this.splitter.push(this.telnet.push(chunk));
    if (chunk === null) this.eof = true;
    if (results.length === 0) return;
    this.pending = this.backlog === 0 ? results : [...this.pending.slice(this.taken), ...results];
    this.taken = 0;
  }

  /** The next line, `{ tooLong }` for a line over the limit, or null at EOF, reading as needed. */
  *next(): Operation<InputLine | null> {
    for (;;) {
      const line = this.take();
      if (line !== undefined) return line;
      this.feed(yield* this.reader.read());
    }
  }
}
