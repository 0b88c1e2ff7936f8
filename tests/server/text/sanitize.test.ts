import { describe, expect, it } from "vitest";
import { decodeLine, isBlank, sanitize } from "../../../server/src/text/index.js";
import { seededRandom } from "./chunking.js";

const FFFD = "\uFFFD";

describe("decodeLine", () => {
  it("decodes valid UTF-8 of every length", () => {
    const text = "aé世👩‍👩‍👧✔️";
    expect(decodeLine(Buffer.from(text, "utf8"))).toBe(text);
    expect(decodeLine(new Uint8Array(0))).toBe("");
  });

  it.each([
    ["C3 28 (lead byte without continuation)", [0xc3, 0x28], `${FFFD}(`],
    ["a lone continuation byte", [0x80], FFFD],
    ["two lone continuation bytes inside text", [0x61, 0x80, 0xbf, 0x62], `a${FFFD}${FFFD}b`],
    ["overlong '/' in 2 bytes (C0 AF)", [0xc0, 0xaf], FFFD.repeat(2)],
    ["overlong '/' in 3 bytes (E0 80 AF)", [0xe0, 0x80, 0xaf], FFFD.repeat(3)],
    ["overlong '/' in 4 bytes (F0 80 80 AF)", [0xf0, 0x80, 0x80, 0xaf], FFFD.repeat(4)],
    ["an encoded surrogate (ED A0 80)", [0xed, 0xa0, 0x80], FFFD.repeat(3)],
    ["a code point above U+10FFFF (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], FFFD.repeat(4)],
    ["a truncated 3-byte sequence at the end (E4 B8)", [0x78, 0xe4, 0xb8], `x${FFFD}`],
    ["bytes FE and FF, which never occur in UTF-8", [0xfe, 0xff], FFFD.repeat(2)],
  ])("replaces %s with U+FFFD", (_what, input, expected) => {
    expect(decodeLine(Uint8Array.from(input))).toBe(expected);
  });

  it("keeps the text around invalid bytes", () => {
    expect(decodeLine(Uint8Array.from([0x68, 0x69, 0xff, 0xc3, 0xa9]))).toBe(`hi${FFFD}é`);
  });
});

describe("sanitize", () => {
  it.each([
    ["clear screen", "a\x1b[2Jb", "ab"],
    ["colour", "\x1b[31mred\x1b[0m text", "red text"],
    ["cursor movement with parameters", "x\x1b[10;20Hy\x1b[Az", "xyz"],
    ["private parameters (hide cursor)", "\x1b[?25lhidden?", "hidden?"],
    ["CSI with an intermediate byte", "a\x1b[1 qb", "ab"],
    ["window title ended by BEL", "\x1b]0;title\x07after", "after"],
    ["window title ended by ESC \\", "\x1b]2;owned\x1b\\after", "after"],
    ["OSC 8 hyperlink (keeps the link text)", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"],
    ["OSC 52 clipboard write", "a\x1b]52;c;ZXZpbA==\x07b", "ab"],
    ["an unterminated OSC (to the end of the line)", "ok\x1b]0;never ends", "ok"],
    ["DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"],
    ["SOS, PM and APC", "\x1bXsos\x1b\\1\x1b^pm\x1b\\2\x1b_apc\x1b\\3", "123"],
    ["full reset ESC c", "\x1bcreset", "reset"],
    ["save/restore cursor ESC 7 / ESC 8", "\x1b7a\x1b8b", "ab"],
    ["character set designation ESC ( B", "\x1b(Btext", "text"],
    ["DEC screen alignment ESC # 8", "\x1b#8E", "E"],
    ["F1 key (SS3 P)", "\x1bOPhelp", "help"],
    ["a lone ESC at the end", "bye\x1b", "bye"],
    ["ESC followed by a non-ASCII character (only ESC goes)", "\x1bé", "é"],
    ["8-bit CSI", "\x9b31mred", "red"],
    ["8-bit OSC ended by 8-bit ST", "a\x9d0;title\x9cb", "ab"],
    ["8-bit DCS ended by ESC \\", "a\x90payload\x1b\\b", "ab"],
    ["other C1 controls (NEL, IND, RI)", "a\x85b\x84c\x8dd", "abcd"],
    ["NUL", "a\0b", "ab"],
    ["BEL", "ding\x07!", "ding!"],
    ["backspace (removed, not applied)", "abc\b\b\bxyz", "abcxyz"],
    ["DEL", "a\x7fb", "ab"],
    ["CR, LF, VT, FF", "a\rb\nc\vd\fe", "abcde"],
    ["other C0 controls", "\x01\x02\x03x\x1a\x1c\x1f", "x"],
    ["bidi overrides and embeddings (U+202A–U+202E)", "a\u202ab\u202bc\u202cd\u202de\u202ef", "abcdef"],
    ["bidi isolates (U+2066–U+2069)", "\u2066a\u2067b\u2068c\u2069", "abc"],
    ["an RLO that would show 'exe.txt' as 'txt.exe'", "photo\u202etxt.exe", "phototxt.exe"],
    ["C0 controls inside a CSI go with it", "\x1b[3\b1mz", "z"],
    ["a CSI cut short by a new ESC sequence", "\x1b[12\x1b[31mred", "red"],
  ])("removes %s", (_what, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it("turns a tab into one space", () => {
    expect(sanitize("a\tb\t\tc")).toBe("a b  c");
  });

  it("keeps printable text untouched, returning the same string when there is nothing to remove", () => {
    const text = "héllo 世界 👩‍👩‍👧 ✔️";
    expect(sanitize(text)).toBe(text);
    const more = "  spaces kept  ﬁ e\u0301 (combining) مرحبا שלום 🇫🇷 🏳️‍🌈 ";
    expect(sanitize(more)).toBe(more);
  });

  it("keeps text between escape sequences exactly", () => {
    expect(sanitize("\x1b[1mhéllo\x1b[0m 世界 \x1b]0;t\x07👩‍👩‍👧 ✔️")).toBe("héllo 世界 👩‍👩‍👧 ✔️");
  });

  it("never leaves a control, ESC or bidi override in random hostile input, and is idempotent", () => {
    const pool = [
      "\x1b", "[", "]", "P", "\\", "?", ";", "0", "31", "m", "H", "c", "(", "#", "O",
      "\x07", "\x9b", "\x9c", "\x9d", "\x90", "\x85", "\x00", "\t", "\r", "\n", "\b", "\x7f",
      "\u202e", "\u2066", "a", "é", "世", "👩‍👩‍👧", " ",
    ];
    const forbidden = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const random = seededRandom(48);
    for (let run = 0; run < 2000; run++) {
      let input = "";
      const length = Math.floor(random() * 30);
      for (let i = 0; i < length; i++) input += pool[Math.floor(random() * pool.length)];
      const output = sanitize(input);
      expect(output).not.toMatch(forbidden);
      expect(sanitize(output)).toBe(output);
    }
  });
});

describe("sanitize: text that would hide or forge", () => {
  it("turns a line or paragraph separator into a space: a forged second line stays on the first", () => {
    expect(sanitize("a\u2028[14:00] <bob> forged")).toBe("a [14:00] <bob> forged");
    expect(sanitize("a\u2029b\u2028\u2028c")).toBe("a b  c");
  });

  it.each([
    ["LRM, RLM and ALM", "a\u200eb\u200fc\u061cd", "abcd"],
    ["zero-width space, word joiner and invisible operators", "pass\u200bword\u2060s\u2062", "passwords"],
    ["a soft hyphen", "in\u00advisible", "invisible"],
    ["byte-order marks", "\ufeffa\ufeffb", "ab"],
    ["interlinear annotation (U+FFF9–FFFB), which can hide a whole phrase", "ok\ufff9hidden\ufffaannotation\ufffb", "okhiddenannotation"],
    ["the Mongolian vowel separator", "a\u180eb", "ab"],
    ["musical and shorthand format controls", "a\u{1d173}b\u{1bca0}c", "abc"],
    ["a ZWJ or ZWNJ next to ASCII", "a\u200db\u200cc", "abc"],
    ["a ZWJ next to a space or at an end", "\u200d世 \u200d界\u200d", "世 界"],
    ["tag characters outside a flag (ASCII smuggling)", "hi\u{e0069}\u{e0067}\u{e006e}\u{e006f}\u{e0072}\u{e0065}\u{e007f}", "hi"],
    ["tags after a flag that spell no subdivision", "\u{1f3f4}\u{e0020}\u{e0041}\u{e007f}", "\u{1f3f4}"],
    ["a flag's tags without their CANCEL TAG", "\u{1f3f4}\u{e0067}\u{e0062} x", "\u{1f3f4} x"],
    ["a language tag and reserved tag-block code points", "a\u{e0001}\u{e0065}\u{e006e}b\u{e0000}\u{e0080}", "ab"],
    ["noncharacters (U+FDD0–FDEF, U+xFFFE, U+xFFFF)", "a\ufdd0\ufdefb\ufffe\uffff\u{1fffe}\u{10ffff}c", "abc"],
    ["Hangul fillers (a message that looks blank)", "\u3164\u115f\u1160\uffa0", ""],
    ["reserved default-ignorable code points", "a\u2065\ufff0b", "ab"],
    ["a variation selector at the start, after a space or after another selector", "\ufe0fa \ufe0f❤\ufe0f\ufe0f", "a ❤\ufe0f"],
    ["marks past the fourth on one base (Zalgo)", "e" + "\u0301".repeat(200) + "x", "e\u0301\u0301\u0301\u0301x"],
    ["marks past the fourth even with an invisible character between them", "e\u0301\u0301\u0301\u200b\u0301\u0301", "e\u0301\u0301\u0301\u0301"],
  ])("removes %s", (_what, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it.each([
    ["skin tones", "👍🏽 👋🏿"],
    ["ZWJ sequences", "👨‍👩‍👧 🏳️‍🌈 👩🏽‍💻 🏴‍☠️ 👁️‍🗨️"],
    ["keycaps", "1️⃣ #️⃣ *️⃣"],
    ["regional-indicator flags", "🇫🇷🇯🇵"],
    ["tag flags (England, Scotland, Wales)", "🏴󠁧󠁢󠁥󠁮󠁧󠁿 🏴󠁧󠁢󠁳󠁣󠁴󠁿 🏴󠁧󠁢󠁷󠁬󠁳󠁿"],
    ["emoji and text presentation selectors", "❤️ ✔️ ☺︎"],
    ["an ideographic variation sequence", "葛󠄀"],
    ["a combining accent", "e\u0301"],
    ["four marks on one base (Hebrew with points and accents)", "שָּׁ֑"],
    ["Persian with a ZWNJ", "می‌خواهم"],
    ["Devanagari with a virama and a ZWJ", "क्‍ष"],
    ["Arabic and Hebrew", "مرحبا بالعالم שלום עולם"],
    ["CJK and Hangul", "世界 日本語 한국어"],
    ["non-breaking and ideographic spaces", "a\u00a0b\u3000c"],
  ])("keeps %s", (_what, text) => {
    expect(sanitize(text)).toBe(text);
  });
});

describe("isBlank", () => {
  it.each([
    ["", true],
    ["   ", true],
    ["\t \u00a0\u3000", true],
    ["\u200b\u200c\u200d\u2060\ufeff", true],
    ["\u3164\u115f", true],
    ["\u2800", true],
    ["\x00\x07", true],
    ["a", false],
    ["  .  ", false],
    ["👍", false],
    ["\u200bx", false],
  ])("isBlank(%j) is %s", (text, expected) => {
    expect(isBlank(text)).toBe(expected);
  });
});
