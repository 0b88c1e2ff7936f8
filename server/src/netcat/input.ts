import { RingQueue, type Operation, type StreamReader } from "../../../shared/src/loop/index.js";
import { applyBackspaces, decodeLine, LineSplitter, sanitize, TelnetFilter, type SplitResult } from "../text/index.js";

export type InputLine = { text: string } | { tooLong: true };

/**
 * What a netcat or telnet user typed, one clean line at a time: telnet negotiation removed,
 * lines split on LF, CRLF or CR NUL, each decoded as UTF-8 on its own, Backspace/DEL applied,
 * and stripped of control characters and terminal escapes. Only complete lines come out.
 */
export class NetcatInput {
  private readonly telnet = new TelnetFilter();
  private readonly splitter: LineSplitter;
  private readonly split = new RingQueue<SplitResult>();
  private eof = false;

  constructor(
    private readonly reader: StreamReader,
    maxBytes: number,
  ) {
    this.splitter = new LineSplitter({ maxBytes });
  }

  /** Lines received but not yet taken: how far a flooder is ahead of the rate limit. */
  get backlog(): number {
    return this.split.length;
  }

  /** The next line, `{ tooLong }` for a line over the limit, or null at EOF. */
  *next(): Operation<InputLine | null> {
    for (;;) {
      const result = this.split.shift();
      if (result !== undefined) return "line" in result ? { text: sanitize(applyBackspaces(decodeLine(result.line))) } : { tooLong: true };
      if (this.eof) return null;
      const chunk = yield* this.reader.read();
      const results = chunk === null ? this.splitter.end() : this.splitter.push(this.telnet.push(chunk));
      if (chunk === null) this.eof = true;
      for (const r of results) this.split.push(r);
    }
  }
}
