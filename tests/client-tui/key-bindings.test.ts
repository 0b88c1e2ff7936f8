import { describe, expect, it } from "vitest";
import { actionFor } from "../../client-tui/src/key-bindings.js";

describe("key bindings", () => {
  it("sends with Enter or Return, even with a modifier held", () => {
    expect(actionFor({ name: "return" })).toBe("submit");
    expect(actionFor({ name: "enter", ctrl: true })).toBe("submit");
  });

  it("edits the line emacs-style with Ctrl and ignores other Ctrl and Alt combinations", () => {
    expect(["a", "e", "b", "f", "u", "k", "w"].map((name) => actionFor({ name, ctrl: true }))).toEqual([
      "home",
      "end",
      "left",
      "right",
      "killToStart",
      "killToEnd",
      "deleteWordBack",
    ]);
    expect(actionFor({ name: "x", ch: "x", ctrl: true })).toBe("ignore");
    expect(actionFor({ name: "x", ch: "x", meta: true })).toBe("ignore");
  });

  it("types printable characters and nothing for an empty key", () => {
    expect(actionFor({ ch: "é" })).toBe("insert");
    expect(actionFor({ name: "a", ch: "a", shift: true })).toBe("insert");
    expect(actionFor({})).toBe("ignore");
    expect(actionFor({ name: "constructor" })).toBe("ignore");
  });
});
