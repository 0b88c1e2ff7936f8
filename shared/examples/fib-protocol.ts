/**
 * The wire protocol all three Fibonacci servers speak (Version #1 threads, Version #2 processes,
 * Version #3 our loop): a line with `n` in, a line with `fib(n)` out. A bad line gets an
 * `error: ...` line and the connection stays open; blank lines are ignored; a line longer than
 * MAX_LINE_BYTES gets one error line and the rest of it is skipped.
 *
 * Version #3 splits lines with the loop's StreamReader; the other two run on plain `node:net`
 * sockets and split them with LineSplitter below, which follows the same rules byte for byte.
 */

/** Recursive fib(42) is seconds of CPU; beyond it a request would occupy a thread for minutes. */
export const MAX_N = 42;

/** Longest accepted request line, in bytes, without its line ending. */
export const MAX_LINE_BYTES = 64;

/** The answer to a line over MAX_LINE_BYTES. */
export const LINE_TOO_LONG_REPLY = `error: line longer than ${MAX_LINE_BYTES} bytes\n`;

/** Parses one request line: a whole number from 0 to MAX_N. */
export function parseRequest(line: string): number | Error {
  const text = line.trim();
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= MAX_N)) {
    return new Error(`expected a whole number from 0 to ${MAX_N}, got ${JSON.stringify(text.slice(0, 20))}`);
  }
  return n;
}

/** LineSplitter's mark for a line that was longer than its limit. */
export const TOO_LONG: unique symbol = Symbol("line too long");

/** One line from the client: its text without the line ending, or TOO_LONG. */
export type Line = string | typeof TOO_LONG;

/**
 * What a server owes the client for one line: nothing (a blank line), a reply it can send at
 * once (an error), or fib(n).
 */
export type Request = { kind: "skip" } | { kind: "reply"; text: string } | { kind: "fib"; n: number };

export function readRequest(line: Line): Request {
  if (line === TOO_LONG) return { kind: "reply", text: LINE_TOO_LONG_REPLY };
  if (line.trim() === "") return { kind: "skip" };
  const n = parseRequest(line);
  return n instanceof Error ? { kind: "reply", text: `error: ${n.message}\n` } : { kind: "fib", n };
}

export function fibReply(value: number): string {
  return `${value}\n`;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines ending in LF or CRLF, with the rules of the loop's
 * StreamReader.readLine: a line over `maxBytes` is reported as TOO_LONG as soon as the limit is
 * passed (without waiting for its end) and the rest of it is skipped; at the end of the stream
 * a last line without a newline is still a line. It never holds more than `maxBytes + 1` bytes.
 */
export class LineSplitter {
  /** The start of a line whose LF has not arrived yet. */
  private pending: Buffer | null = null;
  /** After a TOO_LONG without its LF: skip bytes up to and including the next LF. */
  private discarding = false;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** The lines completed by `chunk`. */
  push(chunk: Uint8Array): Line[] {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pending !== null) bytes = Buffer.concat([this.pending, bytes]);
    this.pending = null;
    const lines: Line[] = [];
    let start = 0;
    for (let newline = bytes.indexOf(LF, start); newline >= 0; newline = bytes.indexOf(LF, start)) {
      if (this.discarding) {
        this.discarding = false; // the end of the long line: nothing to report twice
      } else {
        const end = newline > start && bytes[newline - 1] === CR ? newline - 1 : newline;
        lines.push(end - start > this.maxBytes ? TOO_LONG : bytes.toString("utf8", start, end));
      }
      start = newline + 1;
    }
    if (this.discarding || start === bytes.length) return lines;
    const rest = bytes.subarray(start);
    const allowance = rest[rest.length - 1] === CR ? 1 : 0; // a CR may be half of CRLF
    if (rest.length > this.maxBytes + allowance) {
      this.discarding = true;
      lines.push(TOO_LONG);
    } else {
      this.pending = Buffer.from(rest); // a copy: do not keep the whole chunk alive
    }
    return lines;
  }

  /** The client closed its side: the unfinished last line, if any. */
  end(): Line[] {
    const rest = this.pending;
    this.pending = null;
    return rest === null || this.discarding ? [] : [rest.toString("utf8")];
  }
}
