/**
 * Text that would hide or forge, end to end (issue 15): what a netcat user and a WebSocket user
 * receive, and what the sender is told when nothing of a message would show.
 */
import { describe, expect, it } from "vitest";
import type { ServerEvent } from "../../shared/src/protocol/index.js";
import { ChatClient, withServer } from "./chat-client.js";
import { WsClient } from "./ws-client.js";

const BLANK_MESSAGE = "! that message would show nothing; it was not sent";
/** Zero-width space, Hangul filler, RLM, word joiner, BOM: a message of these would look blank. */
const INVISIBLE = "\u200b\u3164\u200f\u2060\ufeff";

const errorsIn = (events: ServerEvent[]): ServerEvent[] => events.filter((e) => e.type === "error");

describe("text that would hide or forge", () => {
  it("a line separator does not start a forged line: both transports get one line", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const web = await WsClient.join(s.server.wsPort, "web");
      await alice.waitFor(/^\* web joined/);

      alice.send("a\u2028[14:00] <bob> forged");
      expect(await web.waitFor((e) => e.type === "message" && e.from === "alice")).toMatchObject({ text: "a [14:00] <bob> forged" });
      expect(await alice.waitFor(/<alice>/)).toMatch(/^\[\d\d:\d\d\] <alice> a \[14:00\] <bob> forged$/);

      web.send({ type: "say", text: "b\u2029[14:01] <alice> forged too" });
      expect(await alice.waitFor(/<web>/)).toMatch(/^\[\d\d:\d\d\] <web> b \[14:01\] <alice> forged too$/);
      expect(alice.lines.some((line) => /[\u2028\u2029]/.test(line))).toBe(false);
    });
  });

  it("a message of invisible characters only is refused on netcat, and the next one goes through", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      await alice.waitFor(/^\* bob joined/);
      const from = alice.lines.length;

      alice.send(INVISIBLE);
      expect(await alice.waitFor(/^!/, from)).toBe(BLANK_MESSAGE);
      alice.send("\x1b[2J\x1b]0;title\x07"); // only escapes: nothing would show either
      await alice.until(() => alice.lines.slice(from).filter((line) => line === BLANK_MESSAGE).length === 2, "a second refusal");
      alice.send(""); // Enter on an empty line: ignored, as ever
      alice.send("   ");
      alice.send("visible");
      expect(await bob.waitFor(/<alice>/)).toMatch(/^\[\d\d:\d\d\] <alice> visible$/);
      await alice.waitFor(/<alice> visible$/, from);
      expect(alice.lines.slice(from).filter((line) => line.startsWith("!"))).toEqual([BLANK_MESSAGE, BLANK_MESSAGE]);
      expect(bob.lines.filter((line) => line.includes("<alice>"))).toHaveLength(1);
    });
  });

  it("a netcat /me or /msg whose text would show nothing lacks its argument", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      await alice.waitFor(/^\* bob joined/);
      const from = alice.lines.length;

      alice.send("/me \u2800"); // braille blank: kept by sanitize, but blank
      alice.send(`/msg bob ${INVISIBLE}`);
      alice.send("/me waves");
      expect(await bob.waitFor(/\* alice/)).toMatch(/^\[\d\d:\d\d\] \* alice waves$/);
      await alice.waitFor(/\* alice waves$/, from);
      expect(alice.lines.slice(from).filter((line) => line.startsWith("!"))).toEqual(["! usage: /me ACTION", "! usage: /msg NAME TEXT"]);
      expect(bob.lines.some((line) => line.includes("[private]"))).toBe(false);
    });
  });

  it("a say, me or msg of invisible characters only is refused on WebSocket, an empty one ignored, and the next one goes through", async () => {
    await withServer({}, async (s) => {
      const bob = await ChatClient.join(s.port, "bob");
      const web = await WsClient.join(s.server.wsPort, "web");
      await bob.waitFor(/^\* web joined/);
      const from = web.events.length;

      web.send({ type: "say", text: INVISIBLE });
      web.send({ type: "me", text: "\u2800\u200d" });
      web.send({ type: "msg", to: "bob", text: "\u115f" });
      await web.until(() => errorsIn(web.events.slice(from)).length === 3, "three refusals");
      expect(errorsIn(web.events.slice(from))).toEqual(Array(3).fill({ type: "error", code: "blank-message", text: BLANK_MESSAGE.slice(2) }));

      web.send({ type: "say", text: "" });
      web.send({ type: "say", text: " \t " });
      web.send({ type: "say", text: "still here" });
      expect(await bob.waitFor(/<web>/)).toMatch(/^\[\d\d:\d\d\] <web> still here$/);
      await web.waitFor((e) => e.type === "message" && e.from === "web", from);
      expect(errorsIn(web.events.slice(from))).toHaveLength(3);
      expect(bob.lines.filter((line) => line.includes("<web>"))).toHaveLength(1);
    });
  });

  it("a quit reason that would show nothing is no reason: 'left (quit; N online)'", async () => {
    await withServer({}, async (s) => {
      const watcher = await ChatClient.join(s.port, "watcher");
      const alice = await ChatClient.join(s.port, "alice");
      const web = await WsClient.join(s.server.wsPort, "web");
      await watcher.waitFor(/^\* web joined/);

      alice.send(`/quit ${INVISIBLE}\u2800`);
      expect(await watcher.waitFor(/^\* alice left/)).toBe("* alice left (quit; 2 online)");
      web.send({ type: "quit", reason: "\u3164\u200b" });
      expect(await watcher.waitFor(/^\* web left/)).toBe("* web left (quit; 1 online)");
    });
  });
});
