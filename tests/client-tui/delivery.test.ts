import { describe, expect, it } from "vitest";
import type { ClientCommand } from "../../shared/src/protocol/index.js";
import { Delivery } from "../../client-tui/src/delivery.js";
import { Scrollback } from "../../client-tui/src/scrollback.js";

function setUp(): { pane: Scrollback; delivery: Delivery } {
  const pane = new Scrollback(() => 0);
  return { pane, delivery: new Delivery(pane) };
}

/** Queues `command` while connected and lets the writer hand it to the socket. */
function send(delivery: Delivery, command: ClientCommand): ClientCommand {
  delivery.enqueue(command, true);
  const taken = delivery.takeOutgoing() as ClientCommand;
  delivery.sent(taken);
  return taken;
}

const say = (text: string): ClientCommand => ({ type: "say", text });

describe("delivery", () => {
  it("takes an echo as confirming the lines sent before it too (the server answers in order)", () => {
    const { delivery } = setUp();
    send(delivery, say("one"));
    send(delivery, say("two"));
    send(delivery, say("three"));
    delivery.confirm({ type: "message", from: "alice", text: "two", at: 1 });
    expect(delivery.awaiting.map((i) => i.command)).toEqual([say("three")]);
  });

  it("awaits no echo for a blank line, which the server ignores", () => {
    const { delivery } = setUp();
    send(delivery, say(" \t "));
    expect(delivery.awaiting).toEqual([]);
  });

  it("awaits an answer for a line of invisible characters or controls, which the server refuses (blank-message)", () => {
    const { delivery } = setUp();
    send(delivery, say("\u200b\x07"));
    send(delivery, say("next"));
    delivery.errorReceived("blank-message");
    expect(delivery.awaiting.map((i) => i.command)).toEqual([say("next")]);
  });

  it("puts a line the writer could not send back first, no longer awaiting its echo", () => {
    const { delivery } = setUp();
    const failed = send(delivery, say("now"));
    delivery.enqueue(say("after"), true);
    delivery.putBack(failed);
    expect(delivery.awaiting).toEqual([]);
    expect(delivery.outbox.map((i) => i.command)).toEqual([say("now"), say("after")]);
  });

  it("says a requeued line was delivered when the welcome's replay shows the server got it", () => {
    const { pane, delivery } = setUp();
    send(delivery, say("got there"));
    delivery.disconnected();
    expect(pane.lines.at(-1)).toMatchObject({ kind: "pending", text: "not confirmed; will send after reconnecting: got there" });
    delivery.replayed({ type: "message", from: "alice", text: "got there", at: 5 });
    expect(delivery.outbox).toEqual([]);
    expect(pane.lines.at(-1)).toMatchObject({ kind: "notice", text: "delivered before the disconnect: got there" });
  });

  it("resends a line typed offline rather than one merely equal to a replayed message", () => {
    const { delivery } = setUp();
    delivery.enqueue(say("hello"), false);
    delivery.replayed({ type: "message", from: "alice", text: "hello", at: 5 });
    expect(delivery.outbox.map((i) => i.command)).toEqual([say("hello")]);
  });
});
