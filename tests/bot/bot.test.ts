import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { loadQuotes, BUNDLED_QUOTES_FILE, QuoteDeck } from "../../bot/src/quotes.js";
import type { QuoteBotOptions } from "../../bot/src/bot.js";
import type { ChatServerOptions } from "../../server/src/server.js";
import { seededRandom } from "../helpers/seeded-random.js";
import { ChatClient, startServer, type RunningServer } from "../server/chat-client.js";
import { linesMatching, messagesFrom, startBot, waitForLines, type RunningBot } from "./helpers.js";

const quotes = loadQuotes(BUNDLED_QUOTES_FILE);
const fromBot = messagesFrom("QuoteBot");

// Everything a test starts is stopped afterwards, even when it fails.
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Partial<ChatServerOptions> = {}): Promise<RunningServer> {
  const running = await startServer(options);
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : running.stop()));
  return { ...running, stop: async () => ((stopped = true), await running.stop()) };
}

function bot(chat: RunningServer, options: Partial<QuoteBotOptions> = {}): RunningBot {
  const running = startBot({
    url: `ws://127.0.0.1:${chat.server.wsPort}/ws`,
    name: "QuoteBot",
    intervalMs: 200,
    deck: new QuoteDeck(quotes, seededRandom(1)),
    backoff: { baseMs: 50, capMs: 400 },
    ...options,
  });
  cleanups.push(() => running.stop());
  return running;
}

async function user(chat: RunningServer, name = "alice"): Promise<ChatClient> {
  const client = await ChatClient.join(chat.port, name);
  cleanups.push(() => client.close());
  return client;
}

describe("the quote bot in a real chat room", () => {
  it("joins and posts a different quote every interval", async () => {
    const chat = await server();
    const alice = await user(chat);
    const b = bot(chat);
    await alice.waitFor(/^\* QuoteBot joined \(2 online\)$/);
    const joinedAt = Date.now();
    const posts = await waitForLines(alice, fromBot, 3);
    // The first quote comes one interval after joining, then one per interval.
    expect(Date.now() - joinedAt).toBeGreaterThanOrEqual(3 * 200 - 50);
    const said = posts.slice(0, 3).map((line) => line.replace(fromBot, ""));
    expect(new Set(said).size).toBe(3);
    for (const text of said) expect(quotes.map((q) => `${q.text} — ${q.author}`)).toContain(text);
    expect(b.logs.find("posted a quote", { why: "interval" }).length).toBeGreaterThanOrEqual(3);
  });

  it("answers !quote at once, ignores a second one inside the cooldown, and answers after it", async () => {
    const chat = await server();
    const alice = await user(chat);
    let now = 0;
    const b = bot(chat, { intervalMs: 3_600_000, cooldownMs: 1_000, now: () => now });
    await alice.waitFor(/^\* QuoteBot joined/);

    const askedAt = Date.now();
    alice.send("!quote");
    await waitForLines(alice, fromBot, 1);
    expect(Date.now() - askedAt).toBeLessThan(5_000);

    now += 999; // still inside the window
    alice.send("  !QUOTE ");
    await b.logs.waitFor("!quote ignored: answered one too recently", { from: "alice" });
    now += 1; // the window is over
    alice.send("!Quote");
    await waitForLines(alice, fromBot, 2);
    await b.logs.waitFor("posted a quote", { why: "request" }, 2);
    expect(linesMatching(alice, fromBot)).toHaveLength(2);
    expect(b.logs.find("posted a quote", { why: "request", requestedBy: "alice" })).toHaveLength(2);
    expect(b.logs.find("posted a quote", { why: "interval" })).toHaveLength(0);
  });

  it("never answers its own messages, even one that reads !quote", async () => {
    const chat = await server();
    const alice = await user(chat);
    // A bot whose every post is "!quote", with no cooldown: answering itself would never stop.
    const b = bot(chat, { intervalMs: 100, cooldownMs: 0, format: () => "!quote" });
    await waitForLines(alice, /^\[\d\d:\d\d\] <QuoteBot> !quote$/, 4);
    // The room has one order: once the bot answers alice, it has read its own earlier posts.
    alice.send("!quote");
    await b.logs.waitFor("posted a quote", { why: "request" });
    expect(b.logs.find("posted a quote", { why: "request" }).map((e) => e.requestedBy)).toEqual(["alice"]);
  });

  it("reconnects with backoff after the server restarts on the same ports, and resumes posting", async () => {
    const first = await server();
    const ports = { tcpPort: first.port, wsPort: first.server.wsPort };
    const alice = await user(first);
    const b = bot(first);
    await waitForLines(alice, fromBot, 1);
    await first.stop();
    await b.logs.waitFor("reconnecting", { why: "the server is shutting down: test over" });
    // Refused attempts while no server listens show the backoff at work.
    await b.logs.waitFor("reconnecting", {}, 3);

    const second = await server(ports);
    const bob = await user(second, "bob");
    await b.logs.waitFor("joined", {}, 2);
    await waitForLines(bob, fromBot, 2);

    const attempts = b.logs.find("reconnecting");
    for (const entry of attempts) {
      expect(entry.delayMs).toBeGreaterThanOrEqual(0);
      expect(entry.delayMs).toBeLessThanOrEqual(400);
    }
    expect(attempts.slice(0, 3).map((e) => e.attempt)).toEqual([1, 2, 3]);
    // The deck survived the reconnect: no quote repeated within its first round.
    const said = [...linesMatching(alice, fromBot), ...linesMatching(bob, fromBot)].map((line) => line.replace(fromBot, ""));
    if (said.length <= quotes.length) expect(new Set(said).size).toBe(said.length);
  });

  it("when its name is taken, waits and retries under the same name", async () => {
    const chat = await server();
    const squatter = await user(chat, "QuoteBot");
    const alice = await user(chat);
    const b = bot(chat);
    await b.logs.waitFor("reconnecting", { why: "the name QuoteBot is taken" }, 2);
    squatter.close();
    await alice.waitFor(/^\* QuoteBot left/);
    await b.logs.waitFor("joined");
    await waitForLines(alice, fromBot, 1);
  });

  it("gives up (the run fails) on a name the server will never accept", async () => {
    const chat = await server();
    const b = startBot({ url: `ws://127.0.0.1:${chat.server.wsPort}/ws`, name: "admin", intervalMs: 1_000, deck: new QuoteDeck(quotes) });
    await expect(b.done).rejects.toThrow(/the server refuses the name "admin"/);
  });

  it("joins under a name the server keeps for it, with its key, while nobody else can take it", async () => {
    const chat = await server({ reservedNames: ["QuoteBot"], reservedKey: "bot-key-for-tests" });
    const squatter = await ChatClient.open(chat.port);
    cleanups.push(() => squatter.close());
    await squatter.until(() => squatter.partial === "Username: ", "the name prompt");
    squatter.send("QuoteBot");
    expect(await squatter.waitFor(/^! /)).toBe('! the name "QuoteBot" is reserved');
    const alice = await user(chat);
    bot(chat, { key: "bot-key-for-tests" });
    await alice.waitFor(/^\* QuoteBot joined/);
    await waitForLines(alice, fromBot, 1);
  });

  it("gives up (the run fails) when its key is wrong", async () => {
    const chat = await server({ reservedNames: ["QuoteBot"], reservedKey: "bot-key-for-tests" });
    const b = startBot({ url: `ws://127.0.0.1:${chat.server.wsPort}/ws`, name: "QuoteBot", key: "not-the-bot-key", intervalMs: 1_000, deck: new QuoteDeck(quotes) });
    await expect(b.done).rejects.toThrow('the server refuses the name "QuoteBot": the name "QuoteBot" is reserved');
  });

  it("leaves the room with quit when stopped", async () => {
    const chat = await server();
    const alice = await user(chat);
    const b = bot(chat);
    await alice.waitFor(/^\* QuoteBot joined/);
    await b.stop();
    await alice.waitFor(/^\* QuoteBot left \(quit; 1 online\)$/);
  });

  it("reconnects when the connection drops, with the backoff reset after every successful join", async () => {
    // A server that welcomes the bot and then drops the connection without a word.
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    let welcomes = 0;
    wss.on("connection", (socket) => {
      socket.once("message", () => {
        welcomes++;
        socket.send(JSON.stringify({ type: "welcome", protocol: 1, name: "QuoteBot", users: ["QuoteBot"], history: [], limits: {} }));
        setTimeout(() => socket.terminate(), 20);
      });
    });
    const b = startBot({
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
      name: "QuoteBot",
      intervalMs: 3_600_000,
      deck: new QuoteDeck(quotes),
      backoff: { baseMs: 50, capMs: 400 },
    });
    cleanups.push(() => b.stop());
    const drops = await b.logs.waitFor("reconnecting", {}, 3);
    expect(welcomes).toBeGreaterThanOrEqual(3);
    for (const drop of drops) {
      expect(drop.why).toMatch(/^connection closed \(code 1006/);
      expect(drop.attempt).toBe(1);
    }
  });
});
