import { describe, expect, it } from "vitest";
import { parseArgs } from "../../client-tui/src/args.js";
import { parseInput } from "../../client-tui/src/commands.js";

describe("parseInput", () => {
  it("turns lines and commands into protocol commands", () => {
    expect(parseInput("hello")).toEqual({ kind: "send", command: { type: "say", text: "hello" } });
    expect(parseInput("  /NICK  bob ")).toEqual({ kind: "send", command: { type: "nick", name: "bob" } });
    expect(parseInput("/me waves")).toEqual({ kind: "send", command: { type: "me", text: "waves" } });
    expect(parseInput("/msg bob see you at five")).toEqual({ kind: "send", command: { type: "msg", to: "bob", text: "see you at five" } });
    expect(parseInput("/users")).toEqual({ kind: "send", command: { type: "users" } });
    expect(parseInput("/who")).toEqual({ kind: "send", command: { type: "users" } });
    expect(parseInput("//etc/passwd")).toEqual({ kind: "send", command: { type: "say", text: "/etc/passwd" } });
  });

  it("answers /help and /quit locally and explains mistakes", () => {
    expect(parseInput("/help")).toEqual({ kind: "help" });
    expect(parseInput("/quit")).toEqual({ kind: "quit" });
    expect(parseInput("/quit see you")).toEqual({ kind: "quit", reason: "see you" });
    expect(parseInput("/msg bob")).toEqual({ kind: "error", text: "usage: /msg NAME TEXT" });
    expect(parseInput("/nick")).toEqual({ kind: "error", text: "usage: /nick NEWNAME" });
    expect(parseInput("/dance")).toEqual({ kind: "error", text: "unknown command /dance; type /help for the list" });
    expect(parseInput("   ")).toEqual({ kind: "empty" });
  });
});

describe("parseArgs", () => {
  it("reads flags, then the environment, then defaults", () => {
    expect(parseArgs([], {})).toEqual({ url: "ws://localhost:4001/ws", name: undefined });
    expect(parseArgs([], { CHAT_URL: "ws://h:1/ws", CHAT_NAME: "zoe" })).toEqual({ url: "ws://h:1/ws", name: "zoe" });
    expect(parseArgs(["--name", "alice", "--url=ws://x:2/ws"], { CHAT_NAME: "zoe" })).toEqual({ url: "ws://x:2/ws", name: "alice" });
    expect(() => parseArgs(["--name"], {})).toThrow(/needs a value/);
    expect(() => parseArgs(["--bogus"], {})).toThrow(/unknown argument/);
    expect(() => parseArgs(["--url", "http://x"], {})).toThrow(/ws:\/\//);
  });
});
