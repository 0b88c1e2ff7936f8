/**
 * Names that cannot pass for others (issue 15), over real sockets: look-alikes of a present
 * member, reserved names by skeleton and prefix, and names kept for a key (CHAT_RESERVED_NAMES).
 */
import { describe, expect, it } from "vitest";
import type { ErrorEvent, ServerEvent } from "../../shared/src/protocol/index.js";
import { ChatClient, withServer } from "./chat-client.js";
import { WsClient } from "./ws-client.js";

const KEY = "the-right-key-1";

/** A netcat client at its name prompt. */
async function atPrompt(port: number): Promise<ChatClient> {
  const client = await ChatClient.open(port);
  await client.until(() => client.partial === "Username: ", "the name prompt");
  return client;
}

/** Sends `line` and returns the next refusal ("! ...") or welcome ("* Welcome, ...") line. */
async function answerTo(client: ChatClient, line: string): Promise<string> {
  const from = client.lines.length;
  client.send(line);
  return client.waitFor(/^! |^\* Welcome, /, from);
}

/** Sends a join and returns the next error or welcome event. */
async function joinAnswer(client: WsClient, join: object): Promise<ServerEvent> {
  const from = client.events.length;
  client.send({ type: "join", ...join });
  return client.waitFor((e) => e.type === "error" || e.type === "welcome", from);
}

const taken = (text: string): ErrorEvent => ({ type: "error", code: "name-taken", text });
const reserved = (name: string): ErrorEvent => ({ type: "error", code: "name-invalid", text: `the name "${name}" is reserved` });

describe("look-alike names", () => {
  it("are refused on netcat while the real one is here, with the reason; unrelated names pass", async () => {
    await withServer({}, async (s) => {
      await ChatClient.join(s.port, "alice");
      await ChatClient.join(s.port, "mallory");
      const c = await atPrompt(s.port);
      expect(await answerTo(c, "aIice")).toBe("! the name aIice is too close to alice, who is here");
      expect(await answerTo(c, "a1ice")).toBe("! the name a1ice is too close to alice, who is here");
      expect(await answerTo(c, "rnallory")).toBe("! the name rnallory is too close to mallory, who is here");
      expect(await answerTo(c, "ALICE")).toBe("! the name ALICE is taken");
      expect(await answerTo(c, "alice_")).toMatch(/^\* Welcome, alice_!/);
    });
  });

  it("are refused on WebSocket with code name-taken, and the client may try again", async () => {
    await withServer({}, async (s) => {
      await ChatClient.join(s.port, "Walter");
      const ws = await WsClient.open(s.server.wsPort);
      expect(await joinAnswer(ws, { name: "vvalter" })).toEqual(taken("the name vvalter is too close to Walter, who is here"));
      expect(await joinAnswer(ws, { name: "WALTER" })).toEqual(taken("the name WALTER is taken"));
      expect(await joinAnswer(ws, { name: "walt" })).toMatchObject({ type: "welcome", name: "walt" });
    });
  });

  it("cannot be renamed into; renaming to a respelling of one's own name is allowed and keeps it one's own", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      bob.send("/nick a1ice");
      expect(await bob.waitFor(/^! /)).toBe("! the name a1ice is too close to alice, who is here");
      alice.send("/nick AIice");
      expect(await bob.waitFor(/known as/)).toBe("* alice is now known as AIice");
      bob.send("/nick alice");
      expect(await bob.waitFor(/^! the name alice/)).toBe("! the name alice is too close to AIice, who is here");
      const c = await atPrompt(s.port);
      expect(await answerTo(c, "alice")).toBe("! the name alice is too close to AIice, who is here");
      // Once she leaves, her look-alikes are free again.
      alice.close();
      await bob.waitFor(/^\* AIice left/);
      expect(await answerTo(c, "a1ice")).toMatch(/^\* Welcome, a1ice!/);
    });
  });

  it("/msg finds a name by its exact letters (in any case), never by a look-alike", async () => {
    await withServer({}, async (s) => {
      const alice = await ChatClient.join(s.port, "alice");
      const bob = await ChatClient.join(s.port, "bob");
      bob.send("/msg a1ice are you there");
      expect(await bob.waitFor(/^! /)).toBe("! nobody called a1ice is online");
      bob.send("/msg ALICE psst");
      expect(await alice.waitFor(/private/)).toMatch(/\[private\] <bob> -> alice: psst$/);
    });
  });
});

describe("reserved names", () => {
  it("are refused by skeleton and, for all but root, by prefix, on netcat, WebSocket and /nick", async () => {
    await withServer({}, async (s) => {
      const c = await atPrompt(s.port);
      for (const name of ["adm1n", "Admin2", "adm1nistrator", "server_", "SERVER5", "SYSTEM-x", "L00PCHAT", "rnoderator", "0perator", "r00t"]) {
        expect(await answerTo(c, name)).toBe(`! the name "${name}" is reserved`);
      }
      expect(await answerTo(c, "rooted")).toMatch(/^\* Welcome, rooted!/);
      const ws = await WsClient.open(s.server.wsPort);
      expect(await joinAnswer(ws, { name: "Adm1n" })).toEqual(reserved("Adm1n"));
      expect(await joinAnswer(ws, { name: "Server-Bot" })).toEqual(reserved("Server-Bot"));
      c.send("/nick 5ystem");
      expect(await c.waitFor(/known as/)).toBe("* rooted is now known as 5ystem"); // 5 is not in the table
      const from = c.lines.length;
      c.send("/nick systern");
      expect(await c.waitFor(/^! /, from)).toBe('! the name "systern" is reserved');
    });
  });
});

describe("names kept for a key (CHAT_RESERVED_NAMES, CHAT_RESERVED_KEY)", () => {
  it("are granted to a WebSocket join with the key only; never on netcat, without the key or with a wrong one", async () => {
    await withServer({ reservedNames: ["QuoteBot"], reservedKey: KEY }, async (s) => {
      const c = await atPrompt(s.port);
      expect(await answerTo(c, "QuoteBot")).toBe('! the name "QuoteBot" is reserved');
      expect(await answerTo(c, "QuoteB0t")).toBe('! the name "QuoteB0t" is reserved'); // look-alikes too
      const ws = await WsClient.open(s.server.wsPort);
      expect(await joinAnswer(ws, { name: "QuoteBot" })).toEqual(reserved("QuoteBot"));
      expect(await joinAnswer(ws, { name: "QuoteBot", key: "the-wrong-key" })).toEqual(reserved("QuoteBot"));
      expect(await joinAnswer(ws, { name: "QuoteBot", key: `${KEY}x` })).toEqual(reserved("QuoteBot"));
      expect(await joinAnswer(ws, { name: "QuoteBot", key: 42 })).toMatchObject({ type: "error", code: "bad-command" });
      expect(await joinAnswer(ws, { name: "QuoteBot", key: KEY })).toMatchObject({ type: "welcome", name: "QuoteBot" });
      // A second client with the key meets the holder: taken, not reserved.
      const other = await WsClient.open(s.server.wsPort);
      expect(await joinAnswer(other, { name: "quotebot", key: KEY })).toEqual(taken("the name quotebot is taken"));
      // Others cannot rename into it; the holder may respell it.
      expect(await answerTo(c, "carol")).toMatch(/^\* Welcome, carol!/);
      c.send("/nick Quotebot");
      expect(await c.waitFor(/^! the name "Quotebot"/)).toBe('! the name "Quotebot" is reserved');
      ws.send({ type: "nick", name: "Quotebot" });
      expect(await ws.waitFor((e) => e.type === "renamed")).toMatchObject({ from: "QuoteBot", to: "Quotebot" });
    });
  });

  it("without a key configured nobody may take them, whatever key they bring", async () => {
    await withServer({ reservedNames: ["QuoteBot", "Sage"] }, async (s) => {
      const ws = await WsClient.open(s.server.wsPort);
      expect(await joinAnswer(ws, { name: "sage", key: KEY })).toEqual(reserved("sage"));
      expect(await joinAnswer(ws, { name: "QuoteBot", key: "" })).toEqual(reserved("QuoteBot"));
      expect(await joinAnswer(ws, { name: "Sagel" })).toMatchObject({ type: "welcome", name: "Sagel" }); // whole names only
    });
  });
});
