/**
 * Property-based tests of the text cleaning done on every received line (issue 8): `sanitize`,
 * `decodeLine`, `isBlank` and `applyBackspaces`; and of what `sanitize` does with text that would
 * hide or forge (issue 15): format characters, separators, noncharacters, fillers, selectors, marks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyBackspaces, decodeLine, isBlank, sanitize } from "../../server/src/text/index.js";
import { codePointChar, codeUnitString, unicodeString } from "./arbitraries.js";

const RUNS = { seed: 42, numRuns: 500 };

/** What sanitize documents it never outputs: C0 (tab included: it becomes a space), DEL, C1, bidi controls. */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Bidi overrides, embeddings and isolates (removed since issue 8). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
/** Everything else sanitize may remove or keep by context: format, separators, noncharacters, fillers, default-ignorables, marks. */
const OTHER_INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}\p{Default_Ignorable_Code_Point}\p{M}]/u;
/** A lone surrogate (with the `u` flag, a well-formed pair is one code point and does not match). */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

const fromCodes = (...codes: number[]): string[] => codes.map((c) => String.fromCharCode(c));

/** Code units and short strings that matter to a terminal, or to the sequence parser. */
const HOSTILE = [
  ...fromCodes(0x1b, 0x9b, 0x9c, 0x9d, 0x90, 0x98, 0x9e, 0x9f, 0x8e, 0x8f, 0x85, 0x07, 0x08, 0x7f, 0x00, 0x09, 0x0a, 0x0d),
  ...fromCodes(0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069),
  "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0f", "\u2800", "\u3164", "\u00a0", "\u2028",
  "[", "]", "P", "X", "^", "_", "N", "O", "\\", "?", ";", "0", "31", "m", "(", "#", " ", "!", "~",
];
/** Printable text: letters, digits, punctuation, CJK, accents, emoji (modifiers, ZWJ sequences, flags). */
const PRINTABLE = [
  "a", "Z", "é", "e\u0301", "ß", "0", "9", ".", ",", "!", "?", "-", "'", '"', "/", " ", "~", "@",
  "世", "界", "漢", "字", "한", "あ", "ア", "مرحبا", "שלום", "ﬁ",
  "👍", "👍🏽", "👨‍👩‍👧", "👩‍👩‍👧", "🏳️‍🌈", "🇫🇷", "✔️", "❤️", "1️⃣",
];

const hostileUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.constantFrom(...PRINTABLE) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }, // lone surrogates
);
/** Arbitrary strings: any code point, any UTF-16 code unit (lone surrogates too), or hostile mixes. */
const anyString = fc.oneof(
  unicodeString(40),
  codeUnitString(40),
  fc.string({ unit: hostileUnit, maxLength: 40 }),
);
const printableString = fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength: 20 });

/** Escape sequences that sanitize parses whole, each with the printable text that follows kept. */
const sequenceArb = fc.oneof(
  // CSI, 7-bit or 8-bit: parameters, intermediates, a final byte.
  fc
    .tuple(
      fc.constantFrom("\x1b[", "\x9b"),
      fc.string({ unit: fc.constantFrom("0", "1", "3", "9", ";", "?", "<", ">"), maxLength: 6 }),
      fc.string({ unit: fc.constantFrom(" ", "!", "/"), maxLength: 2 }),
      fc.integer({ min: 0x40, max: 0x7e }).map((c) => String.fromCharCode(c)),
    )
    .map((parts) => parts.join("")),
  // OSC / DCS / SOS / PM / APC strings with a printable-ASCII payload and a terminator.
  fc
    .tuple(
      fc.constantFrom("\x1b]", "\x1bP", "\x1bX", "\x1b^", "\x1b_", "\x9d", "\x90", "\x98", "\x9e", "\x9f"),
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
      fc.constantFrom("\x07", "\x1b\\", "\x9c"),
    )
    .map((parts) => parts.join("")),
  // SS2 / SS3 and the one printable ASCII character they shift.
  fc
    .tuple(fc.constantFrom("\x1bN", "\x1bO", "\x8e", "\x8f"), fc.integer({ min: 0x20, max: 0x7e }))
    .map(([intro, c]) => intro + String.fromCharCode(c)),
  // nF: ESC, intermediates, a final byte.
  fc
    .tuple(
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x2f }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 3 }),
      fc.integer({ min: 0x30, max: 0x7e }),
    )
    .map(([inter, c]) => `\x1b${inter}${String.fromCharCode(c)}`),
  // Two-character ESC x (not one of the introducers above).
  fc
    .integer({ min: 0x30, max: 0x7e })
    .filter((c) => !"[]PX^_NO".includes(String.fromCharCode(c)))
    .map((c) => `\x1b${String.fromCharCode(c)}`),
  // Single controls that are simply removed.
  fc.constantFrom(...fromCodes(0x00, 0x07, 0x08, 0x0a, 0x0d, 0x7f, 0x85, 0x202e, 0x2066, 0x2069)),
);

/** A code point by code point "is a subsequence of" check. */
function isSubsequence(small: string, big: string): boolean {
  let j = 0;
  for (let i = 0; i < big.length && j < small.length; i++) if (big[i] === small[j]) j++;
  return j === small.length;
}

describe("sanitize properties", () => {
  it("never outputs a C0 control (tab included), ESC, DEL, a C1 control or a bidi control", () => {
    fc.assert(
      fc.property(anyString, (text) => {
        expect(sanitize(text)).not.toMatch(FORBIDDEN);
      }),
      RUNS,
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(anyString, (text) => {
        const once = sanitize(text);
        expect(sanitize(once)).toBe(once);
      }),
      RUNS,
    );
  });

  it("only removes: the output is a subsequence of the input with tabs and line/paragraph separators read as spaces", () => {
    fc.assert(
      fc.property(anyString, (text) => {
        expect(isSubsequence(sanitize(text), text.replace(/[\t\u2028\u2029]/g, " "))).toBe(true);
      }),
      RUNS,
    );
  });

  it("changes a string exactly when it holds a control or a bidi control, if it holds no other invisible character", () => {
    fc.assert(
      fc.property(
        anyString.filter((text) => !OTHER_INVISIBLE.test(text.replace(BIDI_CONTROLS, ""))),
        (text) => {
          expect(sanitize(text) === text).toBe(!FORBIDDEN.test(text));
        },
      ),
      RUNS,
    );
  });

  it("keeps printable text unchanged: letters, digits, punctuation, CJK, RTL, emoji with modifiers and ZWJ", () => {
    fc.assert(
      fc.property(printableString, (text) => {
        expect(sanitize(text)).toBe(text);
      }),
      RUNS,
    );
  });

  it("removes whole escape sequences and keeps the printable text between them exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sequenceArb, printableString), { maxLength: 8 }), printableString, (parts, head) => {
        const input = head + parts.map(([seq, text]) => seq + text).join("");
        const expected = head + parts.map(([, text]) => text).join("");
        expect(sanitize(input)).toBe(expected);
      }),
      RUNS,
    );
  });

  it("ends an unfinished CSI or control string at the next ESC, which starts a sequence of its own", () => {
    const unfinished = fc.oneof(
      // CSI without its final byte (C0 controls inside it go with it).
      fc
        .tuple(fc.constantFrom("\x1b[", "\x9b"), fc.string({ unit: fc.constantFrom("1", ";", "?", " ", "\x08", "\x00"), maxLength: 5 }))
        .map(([intro, params]) => intro + params),
      // OSC / DCS / SOS / PM / APC without a terminator.
      fc
        .tuple(
          fc.constantFrom("\x1b]", "\x1bP", "\x1bX", "\x1b^", "\x1b_", "\x9d", "\x90"),
          fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
        )
        .map(([intro, payload]) => intro + payload),
    );
    const escSequence = sequenceArb.filter((seq) => seq.startsWith("\x1b"));
    fc.assert(
      fc.property(printableString, unfinished, escSequence, printableString, (head, cut, seq, tail) => {
        expect(sanitize(head + cut + seq + tail)).toBe(head + tail);
      }),
      RUNS,
    );
  });

  it("SS2 / SS3 take the next character with them only when it is printable ASCII (what follows then starts the line)", () => {
    fc.assert(
      fc.property(fc.constantFrom("\x1bN", "\x1bO", "\x8e", "\x8f"), printableString, (intro, text) => {
        const first = text.charCodeAt(0);
        const shifted = first >= 0x20 && first <= 0x7e;
        // A selector the shifted character leaves behind ("1" of 1️⃣) has nothing left to select.
        expect(sanitize(intro + text)).toBe(shifted ? sanitize(text.slice(1)) : text);
      }),
      RUNS,
    );
  });
});

describe("sanitize properties: text that would hide or forge", () => {
  /** Format characters, separators, noncharacters, fillers, selectors, marks, and what they attach to. */
  const INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\u2060", "\u2062", "\u00ad", "\ufeff", "\u180e",
    "\ufff9", "\ufffa", "\ufffb", "\u2028", "\u2029", "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\u{1fffe}", "\u{10ffff}",
    "\u115f", "\u1160", "\u3164", "\uffa0", "\u2065", "\ufff0", "\u{e0000}", "\u{e0001}", "\u{e0080}", "\u{e0fff}",
    "\ufe0e", "\ufe0f", "\u{e0100}", "\u0301", "\u0308", "\u20e3", "\u034f", "\u0903", "\u094d", "\u{1d173}",
    "\u{e0067}", "\u{e0062}", "\u{e0065}", "\u{e006e}", "\u{e0041}", "\u{e0020}", "\u{e007f}",
    "\u{1f3f4}", "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}", "\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}",
    "\u0301\u0301\u0301", "\u0308\u20e3", "\ufe0f\u20e3", "\u{1f468}", "\u0645", "\u0915", "\u4e16", "a", "1", " ", "\u00a0",
  ];
  const invisibleString = fc.string({
    unit: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...INVISIBLE) }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE) }, { weight: 1, arbitrary: codePointChar }),
    maxLength: 40,
  });
  const input = fc.oneof(anyString, invisibleString);

  /** Visible and not ASCII: what a joiner may stand between. */
  const VISIBLE_NON_ASCII = /^[^\p{ASCII}\p{White_Space}\p{Cc}\p{Cf}\p{Zl}\p{Zp}]$/u;
  /** A flag's tag sequence: 🏴, tags, CANCEL TAG. */
  const FLAG_TAGS = /(?<=\u{1f3f4})[\u{e0020}-\u{e007e}]+\u{e007f}/gu;
  const SELECTOR = "\\ufe00-\\ufe0f\\u{e0100}-\\u{e01ef}";
  const STRAY_SELECTOR = new RegExp(`(?:^|[\\p{White_Space}\\p{Cf}${SELECTOR}])[${SELECTOR}]`, "u");

  /** The format characters of `text` that are neither a joiner between visible non-ASCII characters nor a flag's tags. */
  function strayFormat(text: string): string[] {
    const chars = Array.from(text.replace(FLAG_TAGS, ""));
    return chars.filter((c, i) => {
      if (!/\p{Cf}/u.test(c)) return false;
      const joins = (c === "\u200d" || c === "\u200c") && VISIBLE_NON_ASCII.test(chars[i - 1] ?? "") && VISIBLE_NON_ASCII.test(chars[i + 1] ?? "");
      return !joins;
    });
  }

  it("never outputs a format character but a ZWJ/ZWNJ between visible non-ASCII characters and the tags of a flag", () => {
    fc.assert(
      fc.property(input, (text) => {
        expect(strayFormat(sanitize(text))).toEqual([]);
      }),
      RUNS,
    );
  });

  it("never outputs a line or paragraph separator, a noncharacter or a Hangul filler", () => {
    fc.assert(
      fc.property(input, (text) => {
        expect(sanitize(text)).not.toMatch(/[\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}\u115f\u1160\u3164\uffa0]/u);
      }),
      RUNS,
    );
  });

  it("never outputs more than 4 combining marks on one base, nor a variation selector with nothing to select", () => {
    fc.assert(
      fc.property(input, (text) => {
        const out = sanitize(text);
        expect(out).not.toMatch(/[\p{Mn}\p{Me}]{5}/u);
        expect(out).not.toMatch(STRAY_SELECTOR);
      }),
      RUNS,
    );
  });

  it("keeps the first 4 of the marks on one base, and only those", () => {
    const marks = fc.array(fc.constantFrom("\u0301", "\u0308", "\u0323", "\u20dd", "\u0f90", "\u05b0"), { maxLength: 12 });
    fc.assert(
      fc.property(fc.constantFrom("a", "e", "\u05e9", "\u0f40", " ", "\u4e16"), marks, fc.constantFrom("", "b", " ", "b\u0301"), (base, on, after) => {
        expect(sanitize(base + on.join("") + after)).toBe(base + on.slice(0, 4).join("") + after);
      }),
      RUNS,
    );
  });

  it("is idempotent, and never outputs a control, ESC or bidi control, on text full of invisible characters", () => {
    fc.assert(
      fc.property(invisibleString, (text) => {
        const once = sanitize(text);
        expect(sanitize(once)).toBe(once);
        expect(once).not.toMatch(FORBIDDEN);
      }),
      RUNS,
    );
  });

  it("keeps emoji (modifiers, ZWJ sequences, keycaps, flags), CJK, RTL and combining accents unchanged", () => {
    const KEPT = [
      ...PRINTABLE, "👩🏽‍💻", "🏴‍☠️", "👁️‍🗨️", "🧑‍🤝‍🧑", "🏳️‍⚧️", "#️⃣", "🇯🇵", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴󠁧󠁢󠁷󠁬󠁳󠁿", "☺︎", "葛󠄀",
      "می‌خواهم", "क्‍ष", "नमस्ते", "שָׁלוֹם", "o\u0302\u0303", "Tiếng Việt", "ภาษาไทย", "한국어", "日本語", "Ελληνικά", "Русский",
    ];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...KEPT), maxLength: 20 }), (text) => {
        expect(sanitize(text)).toBe(text);
      }),
      RUNS,
    );
  });

  it("keeps a ZWJ or ZWNJ between any two visible non-ASCII characters that are not marks", () => {
    const visible = codePointChar.filter((c) => VISIBLE_NON_ASCII.test(c) && sanitize(c) === c && !/[\p{M}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/u.test(c));
    fc.assert(
      fc.property(visible, fc.constantFrom("\u200d", "\u200c"), visible, (before, joiner, after) => {
        const text = before + joiner + after;
        expect(sanitize(text)).toBe(text);
      }),
      RUNS,
    );
  });
});

describe("decodeLine properties", () => {
  /** Bytes biased towards UTF-8 lead and continuation bytes, and ones that never occur in UTF-8. */
  const bytesArb = fc
    .array(
      fc.oneof(
        fc.integer({ min: 0, max: 0xff }),
        fc.constantFrom(0x80, 0xbf, 0xc0, 0xc3, 0xe0, 0xed, 0xef, 0xbb, 0xf0, 0xf4, 0xf5, 0xfe, 0xff, 0x61),
      ),
      { maxLength: 40 },
    )
    .map((b) => Uint8Array.from(b));

  it("never throws on arbitrary bytes and returns a well-formed string (no lone surrogate)", () => {
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        const text = decodeLine(bytes);
        expect(typeof text).toBe("string");
        expect(text).not.toMatch(LONE_SURROGATE);
      }),
      RUNS,
    );
  });

  it("round-trips valid UTF-8, except a leading byte-order mark, which is dropped (documented)", () => {
    const textArb = fc.tuple(fc.boolean(), unicodeString(40)).map(([bom, s]) => (bom ? `\ufeff${s}` : s));
    fc.assert(
      fc.property(textArb, (text) => {
        const expected = text.startsWith("\ufeff") ? text.slice(1) : text;
        expect(decodeLine(Buffer.from(text, "utf8"))).toBe(expected);
      }),
      RUNS,
    );
  });
});

describe("isBlank properties", () => {
  /** What the source counts as showing nothing: Unicode spaces, controls, invisible characters, U+2800. */
  const blankUnit = fc.constantFrom(
    " ", "\t", "\u00a0", "\u3000", "\u2003", "\u2028", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
    "\u3164", "\u115f", "\u2800", "\u00ad", "\u034f", "\ufe0f", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b",
  );
  const visible = fc.constantFrom("a", "Z", "0", ".", "_", "é", "世", "👍", "👨‍👩‍👧", "🇫🇷", "ß", "ﬁ");

  it("never throws, and is true for any mix of spaces, controls and invisible characters", () => {
    fc.assert(
      fc.property(anyString, fc.string({ unit: blankUnit, maxLength: 20 }), (text, blank) => {
        expect(typeof isBlank(text)).toBe("boolean");
        expect(isBlank(blank)).toBe(true);
      }),
      RUNS,
    );
  });

  it("is false as soon as one visible character is present", () => {
    const around = fc.string({ unit: blankUnit, maxLength: 10 });
    fc.assert(
      fc.property(around, visible, around, (before, char, after) => {
        expect(isBlank(before + char + after)).toBe(false);
      }),
      RUNS,
    );
  });

  it("stays true after sanitize: cleaning a blank line never makes it visible", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: blankUnit, maxLength: 20 })), (text) => {
        if (isBlank(text)) expect(isBlank(sanitize(text))).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("applyBackspaces properties", () => {
  const withEdits = fc.string({
    unit: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom("\b", "\x7f") },
      { weight: 3, arbitrary: fc.constantFrom(...PRINTABLE) },
      { weight: 2, arbitrary: codePointChar },
    ),
    maxLength: 30,
  });
  const codePoints = (s: string): string[] => Array.from(s);

  it("never throws and leaves no BS or DEL", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, withEdits), (text) => {
        const out = applyBackspaces(text);
        expect(out).not.toContain("\b");
        expect(out).not.toContain("\x7f");
      }),
      RUNS,
    );
  });

  it("leaves text without BS or DEL unchanged", () => {
    fc.assert(
      fc.property(anyString, (text) => {
        const clean = text.replace(/[\b\x7f]/g, "");
        expect(applyBackspaces(clean)).toBe(clean);
      }),
      RUNS,
    );
  });

  it("agrees with a stack of code points: each BS or DEL pops one, if any", () => {
    fc.assert(
      fc.property(withEdits, (text) => {
        const stack: string[] = [];
        for (const cp of codePoints(text)) {
          if (cp === "\b" || cp === "\x7f") stack.pop();
          else stack.push(cp);
        }
        expect(applyBackspaces(text)).toBe(stack.join(""));
      }),
      RUNS,
    );
  });

  it("one more BS erases exactly the last code point of the result; text after the last BS is kept as is", () => {
    const plain = fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength: 10 });
    fc.assert(
      fc.property(withEdits, plain, (text, tail) => {
        const before = applyBackspaces(text);
        expect(applyBackspaces(`${text}\b`)).toBe(codePoints(before).slice(0, -1).join(""));
        expect(applyBackspaces(text + tail)).toBe(before + tail);
      }),
      RUNS,
    );
  });

  it("never splits a surrogate pair: well-formed input gives well-formed output", () => {
    fc.assert(
      fc.property(withEdits, (text) => {
        expect(applyBackspaces(text)).not.toMatch(LONE_SURROGATE);
      }),
      RUNS,
    );
  });
});
