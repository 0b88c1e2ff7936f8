import { describe, expect, it } from "vitest";
import { loadConfig } from "../../bot/src/config.js";
import { BUNDLED_QUOTES_FILE } from "../../bot/src/quotes.js";
import { isQuoteRequest } from "../../bot/src/bot.js";

describe("bot configuration", () => {
  it("has defaults", () => {
    expect(loadConfig({})).toEqual({
      chatUrl: "ws://localhost:4001/ws",
      botName: "QuoteBot",
      intervalMs: 30_000,
      quotesFile: BUNDLED_QUOTES_FILE,
      logLevel: "info",
    });
  });

  it("reads every variable; the interval is in seconds and may be fractional", () => {
    const config = loadConfig({ CHAT_URL: "wss://chat.example/ws", BOT_NAME: "Sage-2", BOT_INTERVAL_S: "0.2", BOT_QUOTES_FILE: "/tmp/q.txt", LOG_LEVEL: "debug" });
    expect(config).toEqual({ chatUrl: "wss://chat.example/ws", botName: "Sage-2", intervalMs: 200, quotesFile: "/tmp/q.txt", logLevel: "debug" });
  });

  it("names every bad value in one message", () => {
    expect(() => loadConfig({ CHAT_URL: "http://x/ws", BOT_NAME: "Quote Bot", BOT_INTERVAL_S: "0", LOG_LEVEL: "loud" })).toThrow(
      /CHAT_URL must be a ws:\/\/ or wss:\/\/ URL, got "http:\/\/x\/ws"; BOT_NAME must be .*, got "Quote Bot"; BOT_INTERVAL_S must be a number of seconds > 0 .*, got "0"; LOG_LEVEL must be one of/,
    );
    for (const interval of ["-1", "soon", "NaN", "Infinity", "1e9"]) {
      expect(() => loadConfig({ BOT_INTERVAL_S: interval })).toThrow(/BOT_INTERVAL_S/);
    }
    expect(() => loadConfig({ CHAT_URL: "not a url" })).toThrow(/CHAT_URL/);
    expect(() => loadConfig({ BOT_NAME: "x".repeat(25) })).toThrow(/BOT_NAME/);
    expect(() => loadConfig({ BOT_KEY: "short" })).toThrow("BOT_KEY must be 8 to 256 printable ASCII characters without spaces, got 5 characters");
  });

  it("sends BOT_KEY when set (an empty one is unset)", () => {
    expect(loadConfig({ BOT_KEY: "k3y-of-the-bot" }).botKey).toBe("k3y-of-the-bot");
    expect(loadConfig({ BOT_KEY: "" }).botKey).toBeUndefined();
  });
});

describe("what counts as a request for a quote", () => {
  it("is exactly !quote, trimmed, in any case", () => {
    for (const text of ["!quote", "  !QUOTE ", "!Quote\t"]) expect(isQuoteRequest(text)).toBe(true);
    for (const text of ["!quotes", "! quote", "please !quote", "quote", ""]) expect(isQuoteRequest(text)).toBe(false);
  });
});
