import { describe, expect, it } from "vitest";
import { InputLine } from "../../client-tui/src/input-line.js";
import { graphemes, mentions, sanitize } from "../../client-tui/src/text.js";

function typed(text: string): InputLine {
  const line = new InputLine();
  // blessed delivers one UTF-16 code unit per key press: emoji arrive as two halves.
  for (const unit of text.split("")) line.insert(unit);
  return line;
}

describe("InputLine", () => {
  it("joins the two halves of an emoji typed one code unit at a time", () => {
    const line = typed("a👍b");
    expect(line.text).toBe("a👍b");
    expect(line.cursor).toBe(4);
  });

  it("moves and deletes by grapheme: accents, CJK, emoji with modifiers", () => {
    const line = typed("e\u0301漢👍🏽x");
    expect(graphemes(line.text)).toEqual(["e\u0301", "漢", "👍🏽", "x"]);
    line.left();
    line.left();
    expect(line.text.slice(line.cursor)).toBe("👍🏽x");
    line.backspace();
    expect(line.text).toBe("e\u0301👍🏽x");
    line.deleteForward();
    expect(line.text).toBe("e\u0301x");
    line.home();
    line.deleteForward();
    expect(line.text).toBe("x");
  });

  it("inserts in the middle, and edits words and ends of line", () => {
    const line = typed("hello world");
    line.home();
    line.right();
    line.insert("é");
    expect(line.text).toBe("héello world");
    line.end();
    line.deleteWordBack();
    expect(line.text).toBe("héello ");
    line.home();
    line.right();
    line.killToEnd();
    expect(line.text).toBe("h");
    line.set("abc def", 4);
    line.killToStart();
    expect(line.text).toBe("def");
    expect(line.cursor).toBe(0);
  });

  it("drops control characters typed or pasted", () => {
    const line = typed("a\x1b[31mb\x07");
    expect(line.text).toBe("a[31mb");
  });

  it("splits around the cursor for the view", () => {
    const line = typed("ab漢");
    line.left();
    expect(line.split()).toEqual({ before: "ab", at: "漢", after: "" });
    line.end();
    expect(line.split()).toEqual({ before: "ab漢", at: " ", after: "" });
  });
});

describe("text helpers", () => {
  it("makes terminal escapes visible instead of interpreting them", () => {
    expect(sanitize("a\x1b[2Jb\x07\x9bc")).toBe("a^[[2Jb^G\ufffdc");
    expect(sanitize("one\ntwo", true)).toBe("one\ntwo");
    expect(sanitize("one\ntwo")).toBe("one^Jtwo");
  });

  it("finds mentions as whole words, ignoring case", () => {
    expect(mentions("hi Alice!", "alice")).toBe(true);
    expect(mentions("alice: hi", "alice")).toBe(true);
    expect(mentions("malice", "alice")).toBe(false);
    expect(mentions("alice_2 is here", "alice")).toBe(false);
    expect(mentions("ask bob-x", "bob-x")).toBe(true);
  });
});
