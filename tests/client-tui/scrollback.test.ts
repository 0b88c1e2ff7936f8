import { describe, expect, it } from "vitest";
import { MAX_LINES, Scrollback } from "../../client-tui/src/scrollback.js";

describe("scrollback", () => {
  it("keeps the newest lines once the cap is reached", () => {
    const pane = new Scrollback(() => 0);
    for (let i = 0; i < MAX_LINES + 3; i++) pane.system("info", `line ${i}`);
    expect(pane.lines).toHaveLength(MAX_LINES);
    expect(pane.lines[0]?.text).toBe("line 3");
  });

  it("counts the lines that arrive while scrolled up, and forgets them at the bottom", () => {
    const pane = new Scrollback(() => 0);
    pane.measured({ scrollMax: 30, pageRows: 10 });
    pane.scrollPages(1);
    pane.system("info", "one");
    pane.system("info", "two");
    expect(pane.unseen).toBe(2);
    pane.scrollPages(-1);
    expect(pane.unseen).toBe(0);
  });

  it("pulls the view down when the pane grows taller than what is scrolled", () => {
    const pane = new Scrollback(() => 0);
    pane.scrollBy(40);
    pane.measured({ scrollMax: 12, pageRows: 20 });
    expect(pane.scroll).toBe(12);
  });

  it("recognizes a room message shown before, as a reconnect's replay repeats it", () => {
    const pane = new Scrollback(() => 0);
    const said = { type: "message", from: "bob", text: "hi", at: 5 };
    pane.markSeen(said);
    expect(pane.hasSeen({ ...said })).toBe(true);
    expect(pane.hasSeen({ ...said, type: "action" })).toBe(false);
    expect(pane.hasSeen({ ...said, at: 6 })).toBe(false);
  });
});
