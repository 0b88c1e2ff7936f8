/**
 * Property-based tests of `validateName` / `nameKey` (issue 8): never throws, accepts exactly the
 * documented names, and compares names regardless of case; and of `nameSkeleton` (issue 15):
 * look-alikes collide, ordinary names do not.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NAME_MAX_LENGTH, RESERVED_EXACT, RESERVED_NAMES, RESERVED_PREFIXES, nameKey, nameSkeleton, validateName } from "../../server/src/text/index.js";
import { unicodeString } from "./arbitraries.js";

const RUNS = { seed: 42, numRuns: 500 };

const NAME_CHARS = "abcxyzABCXYZ0189_-";
/** The documented rule, as a regex: 1 to NAME_MAX_LENGTH ASCII letters, digits, `_` or `-`. */
const VALID = new RegExp(`^[A-Za-z0-9_-]{1,${NAME_MAX_LENGTH}}$`);

/** Random letter case, so reserved names and case variants come up in every spelling. */
const randomCase = (s: string, flips: readonly boolean[]): string =>
  Array.from(s, (c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c.toLowerCase())).join("");

/**
 * The documented look-alikes (nameSkeleton's table), as pairs that must pass for each other: each
 * character with the others of its class, in both cases, and each letter with its two-letter twin.
 */
const CONFUSABLE_PAIRS: readonly (readonly [string, string])[] = [
  ...pairsOf(["I", "i", "L", "l", "1"]),
  ...pairsOf(["O", "o", "0"]),
  ...pairsOf(["m", "M", "rn", "RN", "rN", "Rn"]),
  ...pairsOf(["w", "W", "vv", "VV", "vV", "Vv"]),
  ...pairsOf(["d", "D", "cl", "CL", "c1", "cI", "ci", "C1"]),
];

function pairsOf(members: readonly string[]): [string, string][] {
  return members.flatMap((a, i) => members.slice(i + 1).map((b): [string, string] => [a, b]));
}

/** Common first names (and the cryptographers' cast): people who must be able to meet in one room. */
const ORDINARY_NAMES = [
  "alice", "bob", "carol", "dave", "eve", "mallory", "trent", "peggy", "victor", "walter",
  "frank", "grace", "heidi", "ivan", "judy", "mike", "niaj", "olivia", "oscar", "pat",
  "rupert", "sybil", "trudy", "wendy", "chuck", "craig", "dan", "erin", "faythe", "sam",
  "ted", "ann", "ben", "cat", "dora", "emma", "fred", "gina", "hank", "iris",
  "jack", "kate", "liam", "mia", "noah", "paul", "quinn", "rose", "steve", "tom",
  "uma", "vera", "will", "xavier", "yara", "zoe", "claire", "daniel", "ella", "ian",
];

/**
 * Reserved, as documented: a skeleton that starts like a reserved prefix's, or equals a reserved
 * whole name's.
 */
const isReserved = (name: string): boolean =>
  RESERVED_PREFIXES.some((prefix) => nameSkeleton(name).startsWith(nameSkeleton(prefix))) || RESERVED_EXACT.some((exact) => nameSkeleton(name) === nameSkeleton(exact));

/** Replaces characters of `name` by look-alikes from the table, where `picks` says so. */
const disguise = (name: string, picks: readonly number[]): string =>
  Array.from(name, (c, i) => {
    const twins = CONFUSABLE_PAIRS.flatMap(([a, b]) => (a === c ? [b] : b === c ? [a] : []));
    const pick = picks[i % Math.max(1, picks.length)] as number;
    return twins.length === 0 || pick === 0 ? c : (twins[pick % twins.length] as string);
  }).join("");

const nameCharArb = fc.constantFrom(...NAME_CHARS);
const wsArb = fc.string({ unit: fc.constantFrom(" ", "\t", "\n", "\u00a0", "\u3000", "\ufeff", "\u2028"), maxLength: 3 });
/** Strings shaped like names, with traps: look-alikes, invisible characters, controls, reserved names, lengths near the limit. */
const nameLikeArb = fc.oneof(
  fc.string({ unit: nameCharArb, minLength: 0, maxLength: NAME_MAX_LENGTH + 3 }),
  fc.string({ unit: nameCharArb, minLength: NAME_MAX_LENGTH - 2, maxLength: NAME_MAX_LENGTH + 3 }),
  fc.tuple(fc.constantFrom(...RESERVED_NAMES), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })).map(([n, f]) => randomCase(n, f)),
  // Reserved names in disguise, alone or with something after them (a prefix reserves those too).
  fc
    .tuple(fc.constantFrom(...RESERVED_NAMES), fc.array(fc.nat(4), { minLength: 1, maxLength: 8 }), fc.string({ unit: nameCharArb, maxLength: 4 }))
    .map(([n, picks, tail]) => disguise(n, picks) + tail),
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
        const expectedOk = VALID.test(trimmed) && !isReserved(trimmed);
        expect(check.ok).toBe(expectedOk);
        if (check.ok) {
          expect(check.name).toBe(trimmed);
          expect(check.name.length).toBeGreaterThanOrEqual(1);
          expect(check.name.length).toBeLessThanOrEqual(NAME_MAX_LENGTH);
          expect(check.name).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(RESERVED_NAMES.has(nameKey(check.name))).toBe(false);
          expect(isReserved(check.name)).toBe(false);
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

describe("nameSkeleton properties", () => {
  const nameArb = fc.string({ unit: fc.constantFrom(..."abcdilmnorvwxyzABCDILMNORVWXYZ0189_-"), maxLength: NAME_MAX_LENGTH });

  it("makes every listed look-alike pair collide, wherever it stands in a name", () => {
    fc.assert(
      fc.property(nameArb, fc.constantFrom(...CONFUSABLE_PAIRS), nameArb, (before, [a, b], after) => {
        expect(nameSkeleton(before + a + after)).toBe(nameSkeleton(before + b + after));
      }),
      RUNS,
    );
  });

  it("is its own skeleton (idempotent), for names and for any string", () => {
    fc.assert(
      fc.property(fc.oneof(nameArb, rawArb, unicodeString(30)), (s) => {
        expect(nameSkeleton(nameSkeleton(s))).toBe(nameSkeleton(s));
      }),
      RUNS,
    );
  });

  it("is case-insensitive: every case variant of a name has the same skeleton, and so has its nameKey", () => {
    fc.assert(
      fc.property(nameArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (name, flips) => {
        const skeleton = nameSkeleton(name);
        expect(nameSkeleton(randomCase(name, flips))).toBe(skeleton);
        expect(nameSkeleton(nameKey(name))).toBe(skeleton);
      }),
      RUNS,
    );
  });

  it("joins names that differ only by case (what nameKey joins, it joins too)", () => {
    fc.assert(
      fc.property(nameArb, nameArb, (a, b) => {
        if (nameKey(a) === nameKey(b)) expect(nameSkeleton(a)).toBe(nameSkeleton(b));
      }),
      RUNS,
    );
  });

  it("keeps common real names apart: none collides with another, and none is reserved", () => {
    const bySkeleton = new Map<string, string[]>();
    for (const name of ORDINARY_NAMES) bySkeleton.set(nameSkeleton(name), [...(bySkeleton.get(nameSkeleton(name)) ?? []), name]);
    const collisions = [...bySkeleton.values()].filter((names) => names.length > 1);
    expect(collisions).toEqual([]); // the failure lists the names that collide
    expect(ORDINARY_NAMES.filter((name) => !validateName(name).ok)).toEqual([]);
  });

  it("disguising a name in any way from the table never changes its skeleton", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDINARY_NAMES, ...RESERVED_NAMES), fc.array(fc.nat(6), { minLength: 1, maxLength: 10 }), (name, picks) => {
        expect(nameSkeleton(disguise(name, picks))).toBe(nameSkeleton(name));
      }),
      RUNS,
    );
  });
});
