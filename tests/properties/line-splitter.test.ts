/**
 * Property-based tests of `LineSplitter` (issue 8): the same results for every chunking of a byte
 * stream, and agreement with a small independent model of the documented framing rules.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineSplitter, type SplitResult } from "../../server/src/text/index.js";
import { cutAnywhere } from "../server/text/chunking.js";

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;

const RUNS = { seed: 42, numRuns: 500 };

/** Bytes biased towards the ones that matter for framing: LF, CR, NUL, one letter, high bytes. */
const byteArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(LF, CR, NUL, 0x61) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) },
);
const streamArb = fc.array(byteArb, { maxLength: 120, size: "medium" }).map((b) => Uint8Array.from(b));
/** Small limits, so that over-long lines are common. */
const maxBytesArb = fc.integer({ min: 0, max: 12 });
/** Split points for cutAnywhere (reduced modulo the stream length); duplicates make empty chunks, on purpose. */
const cutsArb = fc.array(fc.nat(), { maxLength: 15 });

/** Results in a comparable form: each line as an array of bytes, each tooLong as the string "tooLong". */
type Shown = number[] | "tooLong";
function show(results: readonly SplitResult[]): Shown[] {
  return results.map((r) => (r.kind === "line" ? [...r.line] : "tooLong"));
}

function splitAll(chunks: readonly Uint8Array[], maxBytes: number): Shown[] {
  const splitter = new LineSplitter({ maxBytes });
  const results = chunks.flatMap((chunk) => splitter.push(chunk));
  results.push(...splitter.end());
  return show(results);
}

/**
 * The framing rules, stated from the source's comments and written independently of its code:
 * - LF ends a line; CR LF and CR NUL end a line (the CR is not content);
 * - any other CR is bare and dropped (also a CR that is the last byte of the stream);
 * - every other byte (NUL included) is content;
 * - when the content of a line passes `maxBytes`, "tooLong" is reported at once, the prefix is
 *   dropped, and the rest of the line is skipped up to its ending (which then emits nothing);
 * - at EOF (`eof`), an unfinished, non-empty line that is not being skipped is emitted.
 * Without `eof` (a prefix of the stream), a CR at the very end is undecided: neither content nor ending.
 * Also returns the content length of the unfinished line (what `pendingBytes` should be).
 */
function model(stream: Uint8Array, maxBytes: number, eof: boolean): { results: Shown[]; pending: number } {
  const results: Shown[] = [];
  let line: number[] = [];
  let skipping = false;
  const endLine = (): void => {
    if (!skipping) results.push(line);
    skipping = false;
    line = [];
  };
  for (let i = 0; i < stream.length; i++) {
    const b = stream[i] as number;
    if (b === LF) {
      endLine();
    } else if (b === CR) {
      const next = stream[i + 1];
      if (next === NUL) {
        endLine();
        i++;
      }
      // next === LF: the LF ends the line on the next step; anything else (or nothing): a bare CR.
    } else if (!skipping) {
      line.push(b);
      if (line.length > maxBytes) {
        results.push("tooLong");
        skipping = true;
        line = [];
      }
    }
  }
  if (eof && !skipping && line.length > 0) results.push(line);
  return { results, pending: line.length };
}

describe("LineSplitter properties", () => {
  it("gives the same results for every chunking as for one chunk", () => {
    fc.assert(
      fc.property(streamArb, cutsArb, maxBytesArb, (stream, cuts, maxBytes) => {
        expect(splitAll(cutAnywhere(stream, cuts), maxBytes)).toEqual(splitAll([stream], maxBytes));
      }),
      RUNS,
    );
  });

  it("emits lines of at most maxBytes, with no LF and no CR in them", () => {
    fc.assert(
      fc.property(streamArb, cutsArb, maxBytesArb, (stream, cuts, maxBytes) => {
        for (const result of splitAll(cutAnywhere(stream, cuts), maxBytes)) {
          if (result === "tooLong") continue;
          expect(result.length).toBeLessThanOrEqual(maxBytes);
          expect(result).not.toContain(LF);
          expect(result).not.toContain(CR);
        }
      }),
      RUNS,
    );
  });

  it("agrees with the reference model on the whole stream", () => {
    fc.assert(
      fc.property(streamArb, maxBytesArb, (stream, maxBytes) => {
        expect(splitAll([stream], maxBytes)).toEqual(model(stream, maxBytes, true).results);
      }),
      RUNS,
    );
  });

  it("after every chunk, has emitted exactly what the model emits for that prefix, and holds its pending bytes (≤ maxBytes)", () => {
    fc.assert(
      fc.property(streamArb, cutsArb, maxBytesArb, (stream, cuts, maxBytes) => {
        const splitter = new LineSplitter({ maxBytes });
        const results: SplitResult[] = [];
        let fed = 0;
        for (const chunk of cutAnywhere(stream, cuts)) {
          results.push(...splitter.push(chunk));
          fed += chunk.length;
          const expected = model(stream.subarray(0, fed), maxBytes, false);
          expect(show(results)).toEqual(expected.results);
          expect(splitter.pendingBytes).toBe(expected.pending);
          expect(splitter.pendingBytes).toBeLessThanOrEqual(maxBytes);
        }
        results.push(...splitter.end());
        expect(show(results)).toEqual(model(stream, maxBytes, true).results);
        expect(splitter.pendingBytes).toBe(0);
      }),
      RUNS,
    );
  });

  it("returns lines the caller owns: overwriting the chunks afterwards changes nothing", () => {
    fc.assert(
      fc.property(streamArb, cutsArb, maxBytesArb, (stream, cuts, maxBytes) => {
        const splitter = new LineSplitter({ maxBytes });
        const results: SplitResult[] = [];
        for (const chunk of cutAnywhere(stream, cuts)) {
          results.push(...splitter.push(chunk));
          chunk.fill(0x5a);
        }
        results.push(...splitter.end());
        expect(show(results)).toEqual(model(stream, maxBytes, true).results);
      }),
      RUNS,
    );
  });
});
