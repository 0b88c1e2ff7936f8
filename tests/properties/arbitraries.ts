/** Arbitraries shared by the property tests. */
import fc from "fast-check";

/**
 * One code point anywhere in Unicode (surrogate halves excluded), about equally often from each
 * UTF-8 length (1 to 4 bytes). Same domain as `fc.string({ unit: "binary" })`'s unit, which costs
 * over a second to build in each test file (fast-check precomputes its tables).
 */
export const codePointChar: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xffff - 0x800 }).map((c) => (c >= 0xd800 ? c + 0x800 : c)),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c));

/** A string of code points anywhere in Unicode (well-formed: no lone surrogate). */
export function unicodeString(maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: codePointChar, maxLength });
}

/** A string of arbitrary UTF-16 code units, lone surrogates included. */
export function codeUnitString(maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength });
}
