import { describe, expect, it } from "vitest";
import { applyBackspaces } from "../../../server/src/text/index.js";

describe("applyBackspaces", () => {
  it("erases the character before each BS or DEL", () => {
    expect(applyBackspaces("helo\blo")).toBe("hello");
    expect(applyBackspaces("abc\x7f\x7fd")).toBe("ad");
    expect(applyBackspaces("\b\bstart")).toBe("start"); // nothing to erase: ignored
  });

  it("erases whole code points: an emoji or a CJK character goes at once", () => {
    expect(applyBackspaces("hi 😀\b!")).toBe("hi !");
    expect(applyBackspaces("世界\x7f")).toBe("世");
  });

  it("leaves text without BS or DEL untouched", () => {
    const text = "héllo 世界 👩‍👩‍👧";
    expect(applyBackspaces(text)).toBe(text);
  });
});
