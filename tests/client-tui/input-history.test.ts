import { describe, expect, it } from "vitest";
import { InputHistory } from "../../client-tui/src/input-history.js";

function entered(...lines: string[]): InputHistory {
  const history = new InputHistory();
  for (const line of lines) history.record(line);
  return history;
}

describe("input history", () => {
  it("goes back to older lines with Up and stops at the oldest", () => {
    const history = entered("one", "two");
    expect(history.back("")).toBe("two");
    expect(history.back("two")).toBe("one");
    expect(history.back("one")).toBeUndefined();
  });

  it("gives back the line being typed when Down passes the newest entry", () => {
    const history = entered("one", "two");
    history.back("half-typed");
    history.back("two");
    expect(history.forward()).toBe("two");
    expect(history.forward()).toBe("half-typed");
    expect(history.forward()).toBeUndefined();
  });

  it("does not remember blank lines or the same line twice in a row", () => {
    expect(entered("one", "  ", "", "one", "two", "one").entries).toEqual(["one", "two", "one"]);
  });

  it("starts from the newest line again after Enter or after the input is cleared", () => {
    const history = entered("one", "two");
    history.back("");
    history.back("two");
    history.restart();
    expect(history.back("")).toBe("two");
    history.record("three");
    expect(history.back("")).toBe("three");
  });

  it("keeps the newest 500 lines", () => {
    const history = entered(...Array.from({ length: 505 }, (_, i) => `line ${i}`));
    expect(history.entries).toHaveLength(500);
    expect(history.entries[0]).toBe("line 5");
  });
});
