import { describe, expect, it } from "vitest";
import { TelnetFilter } from "../../../server/src/text/index.js";
import { allThreeWaySplits, allTwoWaySplits, byteByByte, bytes, randomChunks, seededRandom } from "./chunking.js";

const IAC = 255;
const [SE, NOP, DM, BRK, IP, AO, AYT, EC, EL, GA, SB, WILL, WONT, DO, DONT] = [
  240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254,
];
const ECHO = 1;
const SGA = 3;
const TTYPE = 24;
const NAWS = 31;

/** Runs the chunks through one filter and joins the output. */
function filterAll(chunks: readonly Uint8Array[]): number[] {
  const filter = new TelnetFilter();
  return chunks.flatMap((chunk) => [...filter.push(chunk)]);
}

function filterOne(input: Uint8Array): number[] {
  return filterAll([input]);
}

describe("TelnetFilter", () => {
  it("returns the very same chunk when it holds no IAC", () => {
    const filter = new TelnetFilter();
    const chunk = bytes("hello, world\r\n");
    expect(filter.push(chunk)).toBe(chunk);
    const empty = new Uint8Array(0);
    expect(filter.push(empty)).toBe(empty);
  });

  it("keeps every byte that is not negotiation, including high bytes and NUL", () => {
    const all = Uint8Array.from({ length: 255 }, (_, i) => i); // 0..254
    expect(filterOne(all)).toEqual([...all]);
  });

  it.each([
    ["WILL", WILL],
    ["WONT", WONT],
    ["DO", DO],
    ["DONT", DONT],
  ])("removes IAC %s <option>", (_name, verb) => {
    expect(filterOne(bytes("a", IAC, verb, ECHO, "b"))).toEqual([...bytes("ab")]);
    // The option byte is consumed whatever its value, even 255 or a letter.
    expect(filterOne(bytes("a", IAC, verb, IAC, "b"))).toEqual([...bytes("ab")]);
    expect(filterOne(bytes("a", IAC, verb, "x", "b"))).toEqual([...bytes("ab")]);
  });

  it.each([
    ["SE", SE],
    ["NOP", NOP],
    ["DM", DM],
    ["BRK", BRK],
    ["IP", IP],
    ["AO", AO],
    ["AYT", AYT],
    ["EC", EC],
    ["EL", EL],
    ["GA", GA],
  ])("removes the two-byte command IAC %s", (_name, command) => {
    expect(filterOne(bytes("a", IAC, command, "b"))).toEqual([...bytes("ab")]);
  });

  it("turns IAC IAC into one literal 255", () => {
    expect(filterOne(bytes("a", IAC, IAC, "b"))).toEqual([0x61, 255, 0x62]);
    expect(filterOne(bytes(IAC, IAC, IAC, IAC))).toEqual([255, 255]);
    // IAC IAC IAC WILL x: one data byte, then a command.
    expect(filterOne(bytes(IAC, IAC, IAC, WILL, ECHO, "z"))).toEqual([255, 0x7a]);
  });

  it("removes a subnegotiation with its payload, including escaped 255s and SE bytes in it", () => {
    expect(filterOne(bytes("a", IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE, "b"))).toEqual([...bytes("ab")]);
    // IAC IAC inside SB is payload; a bare SE (240) inside is payload too; only IAC SE ends it.
    expect(filterOne(bytes("a", IAC, SB, TTYPE, IAC, IAC, SE, 0, "xterm", IAC, SE, "b"))).toEqual([...bytes("ab")]);
  });

  it("removes a typical telnet client opening and keeps the text after it", () => {
    const opening = bytes(
      IAC, DO, SGA,
      IAC, WILL, TTYPE,
      IAC, WILL, NAWS,
      IAC, SB, NAWS, 0, 132, 0, 43, IAC, SE,
      IAC, SB, TTYPE, 0, "XTERM-256COLOR", IAC, SE,
      IAC, DONT, ECHO,
      "alice\r\n",
      IAC, AYT,
      "hi ", IAC, IAC, "\r\n",
    );
    expect(filterOne(opening)).toEqual([...bytes("alice\r\nhi ", 255, "\r\n")]);
  });

  it("ends an unterminated subnegotiation at the next IAC command instead of swallowing the session", () => {
    expect(filterOne(bytes(IAC, SB, NAWS, 1, 2, IAC, WILL, ECHO, "text"))).toEqual([...bytes("text")]);
    expect(filterOne(bytes(IAC, SB, NAWS, 1, 2, IAC, NOP, "text"))).toEqual([...bytes("text")]);
  });

  it("drops IAC together with a following byte that is not a command", () => {
    expect(filterOne(bytes("a", IAC, "xb"))).toEqual([...bytes("ab")]);
  });

  it("holds a sequence that a chunk boundary cuts, even when the next chunk has no IAC", () => {
    const filter = new TelnetFilter();
    expect([...filter.push(bytes("a", IAC))]).toEqual([0x61]);
    expect([...filter.push(bytes(WILL))]).toEqual([]);
    expect([...filter.push(bytes(ECHO, "b"))]).toEqual([0x62]); // no IAC in this chunk, yet ECHO is dropped
    expect([...filter.push(bytes(IAC, SB, "payload"))]).toEqual([]);
    expect([...filter.push(bytes("more payload"))]).toEqual([]);
    expect([...filter.push(bytes(IAC))]).toEqual([]);
    expect([...filter.push(bytes(SE, "c"))]).toEqual([0x63]);
    const plain = bytes("plain again");
    expect(filter.push(plain)).toBe(plain);
  });

  describe("gives the same output for every chunking", () => {
    const stream = bytes(
      "x", IAC, IAC, "y",
      IAC, WILL, ECHO, IAC, WONT, SGA, IAC, DO, NAWS, IAC, DONT, TTYPE,
      "é", IAC, NOP, IAC, GA, IAC, AYT,
      IAC, SB, NAWS, 0, 80, IAC, IAC, 0, 24, IAC, SE,
      "z", IAC, IAC, IAC, DO, ECHO, "!",
    );
    const expected = [...bytes("x", 255, "yéz", 255, "!")];

    it("in one chunk", () => expect(filterOne(stream)).toEqual(expected));
    it("one byte at a time", () => expect(filterAll(byteByByte(stream))).toEqual(expected));

    it("cut at every split point into two chunks", () => {
      for (const chunks of allTwoWaySplits(stream)) expect(filterAll(chunks)).toEqual(expected);
    });

    it("cut at every pair of split points into three chunks", () => {
      let count = 0;
      for (const chunks of allThreeWaySplits(stream)) {
        expect(filterAll(chunks)).toEqual(expected);
        count++;
      }
      expect(count).toBe(((stream.length + 1) * (stream.length + 2)) / 2);
    });

    it("in 200 seeded random chunkings", () => {
      const random = seededRandom(854);
      for (let run = 0; run < 200; run++) {
        expect(filterAll(randomChunks(stream, random, 7))).toEqual(expected);
      }
    });
  });
});
