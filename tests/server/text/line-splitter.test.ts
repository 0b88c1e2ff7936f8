import { describe, expect, it } from "vitest";
import { LineSplitter, type SplitResult } from "../../../server/src/text/index.js";
import { allThreeWaySplits, allTwoWaySplits, byteByByte, bytes, randomChunks, seededRandom } from "./chunking.js";

/** A readable form of the results: each line as a UTF-8 string, each tooLong as the symbol TOO_LONG. */
const TOO_LONG = "<tooLong>";
function show(results: readonly SplitResult[]): string[] {
  return results.map((r) => (r.kind === "line" ? r.line.toString("utf8") : TOO_LONG));
}

/** Feeds all chunks, then ends the stream; returns everything produced. */
function splitAll(chunks: readonly Uint8Array[], maxBytes = 1024): string[] {
  const splitter = new LineSplitter({ maxBytes });
  const results = chunks.flatMap((chunk) => splitter.push(chunk));
  results.push(...splitter.end());
  return show(results);
}

function split(text: string | Uint8Array, maxBytes = 1024): string[] {
  return splitAll([typeof text === "string" ? bytes(text) : text], maxBytes);
}

describe("LineSplitter: line endings", () => {
  it("ends lines at LF, CRLF and CR NUL, without the ending", () => {
    expect(split("a\nb\r\nc\r\0d\n")).toEqual(["a", "b", "c", "d"]);
  });

  it("keeps empty lines", () => {
    expect(split("\n\r\n\r\0\nx\n")).toEqual(["", "", "", "", "x"]);
  });

  it("drops a bare CR (followed by anything but LF or NUL) and keeps the rest of the line", () => {
    expect(split("abc\rdef\n")).toEqual(["abcdef"]);
    expect(split("\rX\n")).toEqual(["X"]);
    // CR CR LF: the first CR is bare, the second belongs to the CRLF.
    expect(split("a\r\r\nb\n")).toEqual(["a", "b"]);
    // CR CR NUL: likewise.
    expect(split("a\r\r\0b\n")).toEqual(["a", "b"]);
  });

  it("keeps a NUL that does not follow CR (sanitize removes it later, the splitter only frames)", () => {
    expect(split("a\0b\n")).toEqual(["a\0b"]);
    // CR NUL NUL: the line ends at CR NUL; the second NUL starts the next line.
    expect(split("a\r\0\0b\n")).toEqual(["a", "\0b"]);
  });

  it("returns only complete lines from push; the partial line waits", () => {
    const splitter = new LineSplitter({ maxBytes: 100 });
    expect(show(splitter.push(bytes("hel")))).toEqual([]);
    expect(splitter.pendingBytes).toBe(3);
    expect(show(splitter.push(bytes("lo\nwor")))).toEqual(["hello"]);
    expect(splitter.pendingBytes).toBe(3);
    expect(show(splitter.push(bytes("ld\r")))).toEqual([]);
    expect(splitter.pendingBytes).toBe(5); // the CR is not content
    expect(show(splitter.push(bytes("\n")))).toEqual(["world"]);
    expect(splitter.pendingBytes).toBe(0);
  });

  it("end() returns a non-empty unfinished line, drops a trailing CR, and resets", () => {
    const splitter = new LineSplitter({ maxBytes: 100 });
    splitter.push(bytes("last words\r"));
    expect(show(splitter.end())).toEqual(["last words"]);
    expect(splitter.pendingBytes).toBe(0);
    expect(show(splitter.end())).toEqual([]);
    // After end(), a pending CR is forgotten: a NUL now is content, not a line ending.
    splitter.push(bytes("\r"));
    expect(show(splitter.end())).toEqual([]);
    expect(show(splitter.push(bytes("\0x\n")))).toEqual(["\0x"]);
  });

  it("end() after a complete line returns nothing", () => {
    expect(split("done\n")).toEqual(["done"]);
    expect(split("")).toEqual([]);
  });

  it("returns copies: reusing the input chunk does not change returned lines", () => {
    const splitter = new LineSplitter({ maxBytes: 100 });
    const chunk = bytes("abc\nde");
    const [first] = splitter.push(chunk);
    chunk.fill(0x5a);
    const [second] = splitter.push(bytes("f\n"));
    expect(show([first!, second!])).toEqual(["abc", "def"]);
  });

  it("rejects a bad maxBytes", () => {
    expect(() => new LineSplitter({ maxBytes: -1 })).toThrow(RangeError);
    expect(() => new LineSplitter({ maxBytes: Number.NaN })).toThrow(RangeError);
    expect(() => new LineSplitter({ maxBytes: 1.5 })).toThrow(RangeError);
  });
});

describe("LineSplitter: over-long lines", () => {
  it("accepts a line of exactly maxBytes, whatever its ending", () => {
    expect(split("abcde\nabcde\r\nabcde\r\0abcde", 5)).toEqual(["abcde", "abcde", "abcde", "abcde"]);
  });

  it("counts bytes, not characters", () => {
    expect(split("éé\n", 4)).toEqual(["éé"]);
    expect(split("ééé\nok\n", 4)).toEqual([TOO_LONG, "ok"]);
  });

  it("signals tooLong once, as soon as the limit is passed, and resumes after the line ending", () => {
    const splitter = new LineSplitter({ maxBytes: 5 });
    expect(show(splitter.push(bytes("abc")))).toEqual([]);
    expect(show(splitter.push(bytes("def")))).toEqual([TOO_LONG]); // no line ending needed
    expect(splitter.pendingBytes).toBe(0); // nothing of it is kept
    expect(show(splitter.push(bytes("ghijklmnop")))).toEqual([]);
    expect(show(splitter.push(bytes("qrs\r")))).toEqual([]);
    expect(show(splitter.push(bytes("\nnext\n")))).toEqual(["next"]);
  });

  it("ends the discarded line at CR NUL too, and a bare CR does not end it", () => {
    expect(split("abcdefgh\rstill the same line\r\0after\n", 5)).toEqual([TOO_LONG, "after"]);
  });

  it("handles several long lines in one chunk, each with its own signal", () => {
    expect(split("123456\nok\n1234567890\n\nabc", 5)).toEqual([TOO_LONG, "ok", TOO_LONG, "", "abc"]);
  });

  it("end() during a discarded line returns nothing and resets", () => {
    const splitter = new LineSplitter({ maxBytes: 3 });
    expect(show(splitter.push(bytes("toolong")))).toEqual([TOO_LONG]);
    expect(show(splitter.end())).toEqual([]);
    expect(show(splitter.push(bytes("ok\n")))).toEqual(["ok"]);
  });

  it("maxBytes 0 accepts only empty lines", () => {
    expect(split("\nx\n\r\n", 0)).toEqual(["", TOO_LONG, ""]);
  });

  it("stays bounded while a 10 MB line without newline arrives in 64 KiB chunks", () => {
    const maxBytes = 8 * 1024;
    const splitter = new LineSplitter({ maxBytes });
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const results: SplitResult[] = [];
    let maxPending = 0;
    for (let sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length) {
      results.push(...splitter.push(chunk));
      maxPending = Math.max(maxPending, splitter.pendingBytes);
    }
    expect(show(results)).toEqual([TOO_LONG]);
    expect(maxPending).toBeLessThanOrEqual(maxBytes);
    expect(show(splitter.push(bytes("A\r\nnext line\r\n")))).toEqual(["next line"]);
  });

  it("pendingBytes never exceeds maxBytes, whatever the chunking", () => {
    const random = seededRandom(7);
    const stream = bytes("x".repeat(300), "\n", "y".repeat(50), "\r\n", "z".repeat(99), "\r");
    for (let run = 0; run < 50; run++) {
      const splitter = new LineSplitter({ maxBytes: 100 });
      for (const chunk of randomChunks(stream, random, 40)) {
        splitter.push(chunk);
        expect(splitter.pendingBytes).toBeLessThanOrEqual(100);
      }
    }
  });
});

describe("LineSplitter: same results for every chunking", () => {
  // LF, CRLF, CR NUL, bare CRs (mid-line, before CRLF, at EOF), empty lines, 2/3/4-byte UTF-8,
  // an over-long line ended by CR NUL and one ended by CRLF, and a final line without ending.
  const stream = bytes(
    "hello\n",
    "\n",
    "crlf\r\n",
    "\r\n",
    "telnet\r\0",
    "\r\0",
    "bare\rcr\n",
    "héllo 世界 👩‍👩‍👧\r\n",
    "x\r\r\n",
    "0123456789012345678901234567890123456789\r\0",
    "after long\n",
    "ééééééééééééééééééééééééééééééé\r\n",
    "\0nul\n",
    "tail\r",
  );
  const maxBytes = 32;
  const expected = [
    "hello",
    "",
    "crlf",
    "",
    "telnet",
    "",
    "barecr",
    "héllo 世界 👩‍👩‍👧",
    "x",
    TOO_LONG,
    "after long",
    TOO_LONG,
    "\0nul",
    "tail",
  ];

  it("in one chunk", () => expect(splitAll([stream], maxBytes)).toEqual(expected));

  it("one byte at a time", () => expect(splitAll(byteByByte(stream), maxBytes)).toEqual(expected));

  it("cut at every split point into two chunks", () => {
    for (const chunks of allTwoWaySplits(stream)) expect(splitAll(chunks, maxBytes)).toEqual(expected);
  });

  it("cut at every pair of split points into three chunks", () => {
    for (const chunks of allThreeWaySplits(stream)) expect(splitAll(chunks, maxBytes)).toEqual(expected);
  });

  it("in 200 seeded random chunkings", () => {
    const random = seededRandom(1123);
    for (let run = 0; run < 200; run++) {
      const maxChunk = 1 + (run % 20);
      expect(splitAll(randomChunks(stream, random, maxChunk), maxBytes)).toEqual(expected);
    }
  });
});
