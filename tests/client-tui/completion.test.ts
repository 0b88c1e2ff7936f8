import { describe, expect, it } from "vitest";
import { complete, type Completed, type Cycle } from "../../client-tui/src/completion.js";
import { COMMAND_NAMES } from "../../client-tui/src/commands.js";

const MEMBERS = ["alice", "bob", "Carol", "carl"];

/** Tab at `cursor` (default: the end) in `text`, as alice in a room of MEMBERS. */
function tab(text: string, cursor = text.length, cycle: Cycle | null = null, me = "alice"): Completed | null {
  return complete({ text, cursor, members: MEMBERS, me, commands: COMMAND_NAMES, cycle });
}

/** What the user sees after pressing Tab `times` times in a row. */
function tabs(text: string, times: number): string[] {
  const shown: string[] = [];
  let state = { text, cursor: text.length, cycle: null as Cycle | null };
  for (let i = 0; i < times; i++) {
    const done = tab(state.text, state.cursor, state.cycle);
    if (done === null) break;
    state = done;
    shown.push(done.text);
  }
  return shown;
}

describe("tab completion", () => {
  it("addresses a member at the start of the line, and names one further on", () => {
    expect(tab("bo")).toMatchObject({ text: "bob: ", cursor: 5 });
    expect(tab("hi B")).toMatchObject({ text: "hi bob ", cursor: 7 });
  });

  it("cycles through the matching names in alphabetical order, ignoring case, and wraps", () => {
    expect(tabs("ca", 3)).toEqual(["carl: ", "Carol: ", "carl: "]);
  });

  it("completes only the word before the cursor and keeps the rest of the line", () => {
    expect(tab("hi b, how are you", 4)).toEqual({ text: "hi bob , how are you", cursor: 7, cycle: expect.anything() });
  });

  it("offers other people before yourself, and yourself when nobody else fits", () => {
    expect(tab("a", 1, null, "alice")).toMatchObject({ text: "alice: " });
    const both = complete({ text: "al", cursor: 2, members: ["alice", "alfred"], me: "alice", commands: [], cycle: null });
    expect(both?.cycle.candidates).toEqual(["alfred"]);
  });

  it("keeps an @ before the name", () => {
    expect(tab("thanks @ca")).toMatchObject({ text: "thanks @carl " });
  });

  it("puts a plain space after a name given to /msg or /nick", () => {
    expect(tab("/msg b")).toMatchObject({ text: "/msg bob " });
    expect(tab("/NICK ca")).toMatchObject({ text: "/NICK carl " });
  });

  it("completes /commands at the start of the line, in the order /help lists them", () => {
    expect(tab("/n")).toMatchObject({ text: "/nick ", cursor: 6 });
    expect(tabs("/m", 3)).toEqual(["/me ", "/msg ", "/me "]);
    expect(tab("/W")).toMatchObject({ text: "/who " });
  });

  it("leaves the line alone when there is nothing to complete", () => {
    expect(tab("")).toBeNull();
    expect(tab("hello ")).toBeNull();
    expect(tab("zed")).toBeNull();
    expect(tab("/zap")).toBeNull();
    expect(tab("see /b")).toBeNull(); // a slash further on is not a command, and no name starts with it
  });
});
