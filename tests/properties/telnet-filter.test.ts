/**
 * Property-based tests of `TelnetFilter` (issue 8): chunking invariance, agreement with an
 * independent model of the telnet grammar, and what may come out as 0xFF.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TelnetFilter } from "../../server/src/text/index.js";
import { cutAnywhere } from "../server/text/chunking.js";

const IAC = 255;
const DONT = 254;
const WILL = 251;
const SB = 250;
const SE = 240;

const RUNS = { seed: 42, numRuns: 500 };

/** Bytes biased towards IAC, the commands (240–254), and a few data bytes (NUL, CR, LF, 'a'). */
const byteArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(IAC) },
  { weight: 4, arbitrary: fc.constantFrom(SB, SE, WILL, DONT, 0x00, 0x0a, 0x0d, 0x61) },
  { weight: 2, arbitrary: fc.integer({ min: 240, max: 255 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const streamArb = fc.array(byteArb, { maxLength: 100, size: "medium" }).map((b) => Uint8Array.from(b));
const plainArb = fc.uint8Array({ max: 254, maxLength: 100 });
const cutsArb = fc.array(fc.nat(), { maxLength: 15 });

function filterAll(chunks: readonly Uint8Array[]): number[] {
  const filter = new TelnetFilter();
  return chunks.flatMap((chunk) => [...filter.push(chunk)]);
}

/**
 * The grammar of RFC 854/855 as the source's header states it, read over the whole stream at once
 * (no state machine): `IAC IAC` is a data 0xFF; `IAC WILL|WONT|DO|DONT opt` is dropped;
 * `IAC SB … IAC SE` is dropped, with `IAC IAC` an escaped 0xFF inside the payload, and an IAC
 * followed by anything else ending the subnegotiation and being read as a new command; `IAC x` for
 * any other x is dropped. A sequence cut off by the end of the stream is dropped.
 */
function model(stream: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < stream.length) {
    const b = stream[i] as number;
    if (b !== IAC) {
      out.push(b);
      i++;
      continue;
    }
    const cmd = stream[i + 1];
    if (cmd === undefined) break;
    if (cmd === IAC) {
      out.push(IAC);
      i += 2;
    } else if (cmd >= WILL && cmd <= DONT) {
      i += 3;
    } else if (cmd === SB) {
      let j = i + 2;
      for (;;) {
        if (j >= stream.length) {
          i = j;
          break;
        }
        if (stream[j] !== IAC) {
          j++;
          continue;
        }
        const next = stream[j + 1];
        if (next === IAC) {
          j += 2;
        } else if (next === SE) {
          i = j + 2;
          break;
        } else {
          i = j; // unterminated SB: this IAC starts a command (or the stream ends after it)
          break;
        }
      }
    } else {
      i += 2;
    }
  }
  return out;
}

/** The data bytes sent as a well-behaved client would: every 0xFF doubled. */
function escape(data: Uint8Array): Uint8Array {
  return Uint8Array.from([...data].flatMap((b) => (b === IAC ? [IAC, IAC] : [b])));
}

describe("TelnetFilter properties", () => {
  it("gives the same output for every chunking as for one chunk", () => {
    fc.assert(
      fc.property(streamArb, cutsArb, (stream, cuts) => {
        expect(filterAll(cutAnywhere(stream, cuts))).toEqual(filterAll([stream]));
      }),
      RUNS,
    );
  });

  it("agrees with the reference model of the grammar, whatever the chunking", () => {
    fc.assert(
      fc.property(streamArb, cutsArb, (stream, cuts) => {
        expect(filterAll(cutAnywhere(stream, cuts))).toEqual(model(stream));
      }),
      RUNS,
    );
  });

  it("outputs 0xFF only for an escaped IAC IAC: never more 0xFF than IAC IAC pairs in the input", () => {
    fc.assert(
      fc.property(streamArb, cutsArb, (stream, cuts) => {
        const out = filterAll(cutAnywhere(stream, cuts));
        const ffOut = out.filter((b) => b === IAC).length;
        let pairs = 0;
        for (let i = 0; i + 1 < stream.length; i++) {
          if (stream[i] === IAC && stream[i + 1] === IAC) {
            pairs++;
            i++;
          }
        }
        expect(ffOut).toBeLessThanOrEqual(pairs);
        // Without any IAC IAC pair in the input, no 0xFF comes out at all.
        if (pairs === 0) expect(out).not.toContain(IAC);
        // The filter only removes: the output is never longer than the input.
        expect(out.length).toBeLessThanOrEqual(stream.length);
      }),
      RUNS,
    );
  });

  it("passes input with no 0xFF through unchanged (the very same chunks)", () => {
    fc.assert(
      fc.property(plainArb, cutsArb, (stream, cuts) => {
        const filter = new TelnetFilter();
        for (const chunk of cutAnywhere(stream, cuts)) expect(filter.push(chunk)).toBe(chunk);
      }),
      RUNS,
    );
  });

  it("restores any data sent with its 0xFF bytes escaped as IAC IAC, whatever the chunking", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), cutsArb, (data, cuts) => {
        expect(filterAll(cutAnywhere(escape(data), cuts))).toEqual([...data]);
      }),
      RUNS,
    );
  });

  it("removes negotiation inserted between data bytes and leaves the data intact", () => {
    // Well-formed commands only: option negotiation, a subnegotiation whose payload has its 0xFF
    // escaped, and the two-byte commands (NOP, GA, …).
    const negotiation = fc.oneof(
      fc.tuple(fc.integer({ min: WILL, max: DONT }), fc.integer({ min: 0, max: 255 })).map(([cmd, opt]) => [IAC, cmd, opt]),
      fc.uint8Array({ maxLength: 10 }).map((payload) => [IAC, SB, ...escape(payload), IAC, SE]),
      fc.integer({ min: 241, max: 249 }).map((cmd) => [IAC, cmd]),
    );
    const pieceArb = fc.oneof(
      fc.uint8Array({ maxLength: 8 }).map((data) => ({ data: [...data], wire: [...escape(data)] })),
      negotiation.map((wire) => ({ data: [] as number[], wire })),
    );
    fc.assert(
      fc.property(fc.array(pieceArb, { maxLength: 12 }), cutsArb, (pieces, cuts) => {
        const wire = Uint8Array.from(pieces.flatMap((p) => p.wire));
        expect(filterAll(cutAnywhere(wire, cuts))).toEqual(pieces.flatMap((p) => p.data));
      }),
      RUNS,
    );
  });
});
