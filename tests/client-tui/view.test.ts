import blessed from "blessed";
import { describe, expect, it } from "vitest";
import { formatLine, nickColour } from "../../client-tui/src/view.js";
import type { Line } from "../../client-tui/src/scrollback.js";

/** What a tag-enabled blessed element would display for `tagged` (tags resolved, no terminal). */
function shown(tagged: string): string {
  return blessed.stripTags(tagged.replace(/\{open\}/g, "\u0001").replace(/\{close\}/g, "\u0002")).replace(/\u0001/g, "{").replace(/\u0002/g, "}");
}

describe("the view's formatting", () => {
  it("escapes braces in relayed text, so it is never read as blessed tags", () => {
    const line: Line = { id: 1, at: Date.UTC(2026, 0, 1, 12, 0), kind: "chat", from: "bob", text: "{red-fg}not red{/red-fg} {/}", mine: false };
    const tagged = formatLine(line);
    expect(tagged).toContain("{open}red-fg{close}not red{open}/red-fg{close} {open}/{close}");
    expect(shown(tagged)).toMatch(/<bob> \{red-fg\}not red\{\/red-fg\} \{\/\}$/);
  });

  it("shows each kind of line", () => {
    const at = Date.UTC(2026, 0, 1, 12, 0);
    expect(shown(formatLine({ id: 1, at, kind: "private", from: "bob", to: "alice", text: "psst" }))).toMatch(/\[private\] bob -> alice: psst$/);
    expect(shown(formatLine({ id: 2, at, kind: "action", from: "bob", text: "waves" }))).toMatch(/\* bob waves$/);
    expect(shown(formatLine({ id: 3, at, kind: "notice", text: "bob joined (2 online)" }))).toMatch(/-- bob joined \(2 online\)$/);
    expect(shown(formatLine({ id: 4, at, kind: "info", text: "one\ntwo" })).split("\n")).toHaveLength(2);
  });

  it("gives each nickname a stable colour, whatever its case", () => {
    expect(nickColour("alice")).toBe(nickColour("Alice"));
    const colours = new Set(["alice", "bob", "carol", "dave", "erin", "frank"].map(nickColour));
    expect(colours.size).toBeGreaterThan(2);
  });
});
