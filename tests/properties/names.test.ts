/**
 * Property-based tests of `validateName` / `nameKey` (issue 8): never throws, accepts exactly the
 * documented names, and compares names regardless of case.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH, RESERVED_NAMES, nameKey, validateName } from "../../server/src/text/index.js";
import { unicodeString } from "./arbitraries.js";

const RUNS = { seed: 42, numRuns: 500 };

const NAME_CHARS = "abcxyzABCXYZ0189_-";
/** The documented rule, as a regex: 1 to NAME_MAX_LENGTH ASCII letters, digits, `_` or `-`. */
const VALID = new RegExp(`^[A-Za-z0-9_-]{1,${NAME_MAX_LENGTH}}$`);

/** Random letter case, so reserved names and case variants come up in every spelling. */
const randomCase = (s: string, flips: readonly boolean[]): string =>
  Array.from(s, (c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c.toLowerCase())).join("");

const nameCharArb = fc.constantFrom(...NAME_CHARS);
const wsArb = fc.string({ unit: fc.constantFrom(" ", "\t", "\n", "\u00a0", "\u3000", "\ufeff", "\u2028"), maxLength: 3 });
/** Strings shaped like names, with traps: look-alikes, invisible characters, controls, reserved names, lengths near the limit. */
const nameLikeArb = fc.oneof(
  fc.string({ unit: nameCharArb, minLength: 0, maxLength: NAME_MAX_LENGTH + 3 }),
  fc.string({ unit: nameCharArb, minLength: NAME_MAX_LENGTH - 2, maxLength: NAME_MAX_LENGTH + 3 }),
  fc.tuple(fc.constantFrom(...RESERVED_NAMES), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })).map(([n, f]) => randomCase(n, f)),
  fc.string({
    unit: fc.oneof(
      { weight: 5, arbitrary: nameCharArb },
      { weight: 1, arbitrary: fc.constantFrom(" ", "!", "*", ".", "é", "а", "\u200b", "\u202e", "\x1b", "\x00", "😀", "\ud800", "K", "İ") },
    ),
    maxLength: NAME_MAX_LENGTH + 3,
  }),
);
const rawArb = fc.oneof(
  fc.tuple(wsArb, nameLikeArb, wsArb).map(([a, n, b]) => a + n + b),
  unicodeString(30),
  fc.string({ maxLength: 30 }),
);

describe("validateName properties", () => {
  it("never throws, and accepts exactly the documented names (trimmed, 1..NAME_MAX_LENGTH of [A-Za-z0-9_-], not reserved in any case)", () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        const check = validateName(raw);
        const trimmed = raw.trim();
        const expectedOk = VALID.test(trimmed) && !RESERVED_NAMES.has(trimmed.toLowerCase());
        expect(check.ok).toBe(expectedOk);
        if (check.ok) {
          expect(check.name).toBe(trimmed);
          expect(check.name.length).toBeGreaterThanOrEqual(1);
          expect(check.name.length).toBeLessThanOrEqual(NAME_MAX_LENGTH);
          expect(check.name).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(RESERVED_NAMES.has(nameKey(check.name))).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("gives a refusal reason in printable ASCII only: no control or invisible character is echoed back", () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        const check = validateName(raw);
        if (!check.ok) expect(check.reason).toMatch(/^[\x20-\x7e]+$/);
      }),
      RUNS,
    );
  });

  it("accepts or refuses a name the same way in every letter case", () => {
    fc.assert(
      fc.property(rawArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (raw, flips) => {
        // ASCII letters only change case here, so the rule for the other characters is unaffected.
        const ascii = raw.replace(/[^\x00-\x7f]/g, "");
        expect(validateName(randomCase(ascii, flips)).ok).toBe(validateName(ascii).ok);
      }),
      RUNS,
    );
  });
});

describe("nameKey properties", () => {
  it("is idempotent, for any string", () => {
    fc.assert(
      fc.property(fc.oneof(rawArb, unicodeString(30)), (s) => {
        expect(nameKey(nameKey(s))).toBe(nameKey(s));
      }),
      RUNS,
    );
  });

  it("is case-insensitive for accepted names: every case variant has the same key", () => {
    fc.assert(
      fc.property(fc.string({ unit: nameCharArb, minLength: 1, maxLength: NAME_MAX_LENGTH }), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (name, flips) => {
        const key = nameKey(name);
        expect(nameKey(randomCase(name, flips))).toBe(key);
        expect(nameKey(name.toUpperCase())).toBe(key);
        expect(key).toBe(key.toLowerCase());
      }),
      RUNS,
    );
  });
});
