import { describe, expect, it } from "vitest";
import type { ServerEvent, WelcomeEvent } from "../../shared/src/protocol/index.js";
import type { Key } from "../../client-tui/src/key-bindings.js";
import { ChatState } from "../../client-tui/src/state.js";

const URL = "ws://127.0.0.1:1/ws";
const LIMITS = { maxLineBytes: 1024, linesPerSecond: 5, burst: 10, maxNameLength: 24 };

function welcome(name: string, users: string[], history: WelcomeEvent["history"] = []): WelcomeEvent {
  return { type: "welcome", protocol: 1, name, users, history, limits: LIMITS };
}

function joined(name = "alice", users = ["alice", "bob", "Carol"]): ChatState {
  let t = 1_000_000;
  const state = new ChatState({ url: URL, name }, () => t++);
  state.applyEvent(welcome(name, users));
  return state;
}

/** Types `text` like blessed delivers it (one UTF-16 unit per key press). */
function type(state: ChatState, text: string): void {
  for (const ch of text.split("")) state.handleKey({ ch, name: /^[a-z]$/.test(ch) ? ch : undefined });
}

const key = (name: string, extra: Partial<Key> = {}): Key => ({ name, ...extra });

describe("ChatState: events", () => {
  it("keeps members and lines from the room's events", () => {
    const state = joined();
    expect(state.status.state).toBe("connected");
    expect(state.members).toEqual(["alice", "bob", "Carol"]);
    const events: ServerEvent[] = [
      { type: "joined", name: "dave", at: 1, online: 4 },
      { type: "message", from: "bob", text: "hi alice", at: 2 },
      { type: "message", from: "alice", text: "hello", at: 3 },
      { type: "action", from: "Carol", text: "waves", at: 4 },
      { type: "private", from: "bob", to: "alice", text: "psst", at: 5 },
      { type: "renamed", from: "dave", to: "david", at: 6 },
      { type: "left", name: "bob", reason: "quit", at: 7, online: 3 },
      { type: "error", code: "no-such-user", text: "nobody called zed is online" },
    ];
    for (const e of events) state.applyEvent(e);
    expect(state.members).toEqual(["alice", "Carol", "david"]);
    const shown = state.lines.slice(1).map((l) => [l.kind, l.text, l.mine ?? false, l.highlight ?? false]);
    expect(shown).toEqual([
      ["notice", "dave joined (4 online)", false, false],
      ["chat", "hi alice", false, true],
      ["chat", "hello", true, false],
      ["action", "waves", false, false],
      ["private", "psst", false, true],
      ["notice", "dave is now known as david", false, false],
      ["notice", "bob left (quit; 3 online)", false, false],
      ["error", "nobody called zed is online", false, false],
    ]);
  });

  it("follows our own rename, so mentions and the next join use the new name", () => {
    const state = joined();
    state.applyEvent({ type: "renamed", from: "alice", to: "alicia", at: 1 });
    expect(state.me).toBe("alicia");
    expect(state.lines.at(-1)?.text).toBe("alice is now known as alicia (you)");
    state.applyEvent({ type: "message", from: "bob", text: "ALICIA?", at: 2 });
    expect(state.lines.at(-1)?.highlight).toBe(true);
  });

  it("shows relayed escapes as text", () => {
    const state = joined();
    state.applyEvent({ type: "message", from: "bob", text: "\x1b]0;pwned\x07{bold}x", at: 1 });
    expect(state.lines.at(-1)?.text).toBe("^[]0;pwned^G{bold}x");
  });

  it("replays the welcome's history once, then marks the gap and adds only what was missed", () => {
    const said = { type: "message" as const, from: "bob", text: "before", at: 10 };
    const state = new ChatState({ url: URL, name: "alice" }, () => 1_000);
    state.applyEvent(welcome("alice", ["alice", "bob"], [said]));
    expect(state.lines.map((l) => l.text)).toEqual(["before", expect.stringMatching(/^Welcome, alice!/)]);
    state.disconnected("connection lost", 500);
    expect(state.status).toMatchObject({ state: "disconnected", detail: "connection lost; retrying in 0.5 s" });
    expect(state.lines.at(-1)).toMatchObject({ kind: "gap", text: expect.stringContaining("disconnected") });
    state.disconnected("cannot connect", 1000); // a failed retry: no second marker
    expect(state.lines.filter((l) => l.kind === "gap")).toHaveLength(1);
    const missed = { type: "message" as const, from: "bob", text: "while you were away", at: 20 };
    state.applyEvent(welcome("alice", ["alice", "bob"], [said, missed]));
    const texts = state.lines.map((l) => l.text);
    expect(texts.filter((t) => t === "before")).toHaveLength(1);
    expect(texts.slice(-3)).toEqual([
      expect.stringContaining("1 message(s) said while you were away"),
      "while you were away",
      expect.stringMatching(/^── reconnected as alice/),
    ]);
    expect(state.status.state).toBe("connected");
  });
});

describe("ChatState: the input line", () => {
  it("sends what Enter submits, and answers /help locally", () => {
    const state = joined();
    type(state, "héllo 世界 👋");
    expect(state.handleKey(key("return"))).toEqual({ type: "send" });
    expect(state.input.text).toBe("");
    expect(state.takeOutgoing()).toEqual({ type: "say", text: "héllo 世界 👋" });
    type(state, "/help");
    expect(state.handleKey(key("enter"))).toEqual({ type: "none" });
    expect(state.lines.at(-1)).toMatchObject({ kind: "info", text: expect.stringContaining("/msg NAME TEXT") });
    type(state, "/msg bob hi");
    state.handleKey(key("return"));
    expect(state.takeOutgoing()).toEqual({ type: "msg", to: "bob", text: "hi" });
    type(state, "/quit bye");
    expect(state.handleKey(key("return"))).toEqual({ type: "quit", reason: "bye" });
  });

  it("quits on Ctrl-C, and on Ctrl-D with an empty line; Esc clears", () => {
    const state = joined();
    type(state, "abc");
    state.handleKey(key("escape"));
    expect(state.input.text).toBe("");
    expect(state.handleKey(key("d", { ctrl: true }))).toEqual({ type: "quit" });
    type(state, "x");
    expect(state.handleKey(key("c", { ctrl: true }))).toEqual({ type: "quit" });
  });

  it("walks the history with Up and Down, keeping the draft", () => {
    const state = joined();
    for (const line of ["one", "two", "three"]) {
      type(state, line);
      state.handleKey(key("return"));
    }
    type(state, "draft");
    state.handleKey(key("up"));
    expect(state.input.text).toBe("three");
    state.handleKey(key("up"));
    state.handleKey(key("up"));
    state.handleKey(key("up"));
    expect(state.input.text).toBe("one");
    state.handleKey(key("down"));
    expect(state.input.text).toBe("two");
    state.handleKey(key("down"));
    state.handleKey(key("down"));
    expect(state.input.text).toBe("draft");
    expect(state.input.cursor).toBe(5);
  });

  it("completes nicknames with Tab and cycles through several", () => {
    const state = joined("alice", ["alice", "bob", "Carol", "carl"]);
    type(state, "ca");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("carl: ");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("Carol: ");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("carl: ");
    state.handleKey(key("escape"));
    type(state, "hi B");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("hi bob ");
    state.handleKey(key("escape"));
    type(state, "/msg b");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("/msg bob ");
  });

  it("completes /commands at the start of the line", () => {
    const state = joined();
    type(state, "/n");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("/nick ");
    state.handleKey(key("escape"));
    type(state, "/m");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("/me ");
    state.handleKey(key("tab"));
    expect(state.input.text).toBe("/msg ");
  });

  it("queues what is typed while offline, marks it, and hands it over after the reconnect", () => {
    const state = joined();
    state.disconnected("connection lost", 1000);
    type(state, "are you there?");
    expect(state.handleKey(key("return"))).toEqual({ type: "send" });
    expect(state.outbox).toHaveLength(1);
    expect(state.lines.at(-1)).toMatchObject({ kind: "pending", text: "not connected; will send after reconnecting: are you there?" });
    state.applyEvent(welcome("alice", ["alice", "bob"]));
    expect(state.takeOutgoing()).toEqual({ type: "say", text: "are you there?" });
    expect(state.lines.find((l) => l.text.endsWith("are you there?"))).toMatchObject({ kind: "notice", text: "sent after reconnecting: are you there?" });
    expect(state.takeOutgoing()).toBeUndefined();
  });

  /** Types a line, presses Enter, and lets the "writer" take and send it. */
  function sendLine(state: ChatState, text: string): void {
    type(state, text);
    expect(state.handleKey(key("return"))).toEqual({ type: "send" });
    const command = state.takeOutgoing();
    if (command === undefined) throw new Error("nothing queued");
    state.sent(command);
  }

  it("awaits the echo of a sent line, and its echo confirms it", () => {
    const state = joined();
    sendLine(state, "  hello\tworld  ");
    sendLine(state, "/me waves");
    sendLine(state, "/msg bob psst");
    sendLine(state, "/users"); // no echo: nothing to await
    expect(state.awaiting.map((i) => i.command.type)).toEqual(["say", "me", "msg"]);
    state.applyEvent({ type: "message", from: "alice", text: "hello world", at: 1 });
    expect(state.awaiting.map((i) => i.command.type)).toEqual(["me", "msg"]);
    state.applyEvent({ type: "action", from: "alice", text: "waves", at: 2 });
    state.applyEvent({ type: "private", from: "alice", to: "bob", text: "psst", at: 3 });
    expect(state.awaiting).toEqual([]);
    state.disconnected("connection lost", 500);
    expect(state.outbox).toEqual([]); // confirmed lines are never resent
  });

  it("requeues unconfirmed lines on disconnect, in order, before lines typed later", () => {
    const state = joined();
    sendLine(state, "one");
    sendLine(state, "two");
    sendLine(state, "three");
    state.applyEvent({ type: "message", from: "alice", text: "one", at: 1 });
    state.disconnected("connection lost", 500);
    expect(state.lines.filter((l) => l.kind === "pending").map((l) => l.text)).toEqual([
      "not confirmed; will send after reconnecting: two",
      "not confirmed; will send after reconnecting: three",
    ]);
    type(state, "four");
    state.handleKey(key("return"));
    state.applyEvent(welcome("alice", ["alice"]));
    const resent = [state.takeOutgoing(), state.takeOutgoing(), state.takeOutgoing(), state.takeOutgoing()];
    expect(resent).toEqual([{ type: "say", text: "two" }, { type: "say", text: "three" }, { type: "say", text: "four" }, undefined]);
    expect(state.lines.filter((l) => l.text.startsWith("sent after reconnecting")).map((l) => l.text)).toEqual([
      "sent after reconnecting: two",
      "sent after reconnecting: three",
      "sent after reconnecting: four",
    ]);
  });

  it("does not resend a requeued line that the welcome's history shows the server got", () => {
    const state = joined();
    sendLine(state, "got there");
    sendLine(state, "lost");
    state.disconnected("connection lost", 500);
    state.applyEvent(welcome("alice", ["alice"], [{ type: "message", from: "alice", text: "got there", at: 5 }]));
    expect(state.takeOutgoing()).toEqual({ type: "say", text: "lost" });
    expect(state.takeOutgoing()).toBeUndefined();
  });

  it("forgets a line the server refused (no echo will come)", () => {
    const state = joined();
    sendLine(state, "/msg zed hi");
    sendLine(state, "/nick bob");
    state.applyEvent({ type: "error", code: "no-such-user", text: "nobody called zed is online" });
    state.applyEvent({ type: "error", code: "name-taken", text: "the name bob is taken" });
    expect(state.awaiting).toEqual([]);
  });

  it("lists what is unsent or unconfirmed when the user quits, and marks it in the pane", () => {
    const state = joined();
    sendLine(state, "echoed");
    sendLine(state, "unconfirmed");
    state.applyEvent({ type: "message", from: "alice", text: "echoed", at: 1 });
    state.disconnected("connection lost", 500);
    type(state, "/me typed offline");
    state.handleKey(key("return"));
    expect(state.quitting()).toEqual(["unconfirmed", "/me typed offline"]);
    expect(state.lines.filter((l) => l.kind === "error").map((l) => l.text)).toEqual(["not sent: unconfirmed", "not sent: /me typed offline"]);
    expect(state.outbox).toEqual([]);
  });

  it("asks for a name when none was given, and again when it is refused", () => {
    const state = new ChatState({ url: URL });
    expect(state.status.state).toBe("naming");
    type(state, "bad name");
    expect(state.handleKey(key("return"))).toEqual({ type: "name", name: "bad name" });
    expect(state.status.state).toBe("connecting");
    state.nameRefused("names are letters, digits, _ or -");
    expect(state.status.state).toBe("naming");
    expect(state.lines.at(-1)).toMatchObject({ kind: "error", text: expect.stringContaining("Type another name") });
    type(state, "zoe");
    expect(state.handleKey(key("return"))).toEqual({ type: "name", name: "zoe" });
  });

  it("scrolls by pages within what there is to see", () => {
    const state = joined();
    state.pageRows = 10;
    state.scrollMax = 25;
    state.handleKey(key("pageup"));
    expect(state.scroll).toBe(9);
    state.applyEvent({ type: "message", from: "bob", text: "new", at: 1 });
    expect(state.unseen).toBe(1);
    state.handleKey(key("pageup"));
    state.handleKey(key("pageup"));
    state.handleKey(key("pageup"));
    expect(state.scroll).toBe(25);
    state.handleKey(key("pagedown"));
    state.handleKey(key("pagedown"));
    state.handleKey(key("pagedown"));
    expect(state.scroll).toBe(0);
    expect(state.unseen).toBe(0);
  });
});
