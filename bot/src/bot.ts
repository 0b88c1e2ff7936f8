/**
 * The quote bot, as coroutines on the loop: connect and join, then a poster task (a quote every
 * interval) and a reader task (answers `!quote`) until the connection ends; then reconnect with
 * backoff. It runs until cancelled, and says goodbye to the room when it is.
 */
import type { Logger } from "pino";
import { Cancelled, currentTask, scope, sleep, timeout, type Operation } from "../../shared/src/loop/index.js";
import type { MessageEvent } from "../../shared/src/protocol/index.js";
import { Backoff } from "../../shared/src/retry/backoff.js";
import { Cooldown } from "./cooldown.js";
import { ChatLink } from "../../shared/src/ws/index.js";
import { joinAsBot, NameRefused } from "./link.js";
import { formatQuote, type Quote, type QuoteDeck } from "./quotes.js";

export interface QuoteBotOptions {
  /** The server's WebSocket endpoint, e.g. ws://localhost:4001/ws. */
  url: string;
  name: string;
  /** The key for a name the server keeps for the bot (the server's CHAT_RESERVED_KEY). */
  key?: string;
  /** Time between two periodic quotes; the first comes one interval after joining. */
  intervalMs: number;
  /** Kept across reconnects, so a reconnect does not start the rotation over. */
  deck: QuoteDeck;
  /** Least time between two answers to `!quote` (default 5 s); requests inside it are ignored. */
  cooldownMs?: number;
  /** Reconnect backoff: base 0.5 s, cap 30 s by default; `random` for the jitter. */
  backoff?: { baseMs?: number; capMs?: number; random?: () => number };
  /** How long connecting and joining may take before the attempt counts as failed (default 10 s). */
  joinTimeoutMs?: number;
  /** Milliseconds for the `!quote` cooldown (default: the loop's clock). */
  now?: () => number;
  /** How a quote is said in the room (default `text — Author`). */
  format?: (quote: Quote) => string;
}

/** True for a request for a quote: exactly `!quote`, ignoring case and surrounding spaces. */
export function isQuoteRequest(text: string): boolean {
  return text.trim().toLowerCase() === "!quote";
}

export class QuoteBot {
  private readonly backoff: Backoff;
  private readonly cooldown: Cooldown;
  private readonly format: (quote: Quote) => string;

  constructor(
    readonly options: QuoteBotOptions,
    readonly log: Logger,
  ) {
    this.backoff = new Backoff({ baseMs: 500, capMs: 30_000, ...options.backoff });
    this.cooldown = new Cooldown(options.cooldownMs ?? 5_000, options.now ?? (() => currentTask().loop.clock.now()));
    this.format = options.format ?? formatQuote;
  }

  /**
   * Connects, serves, and reconnects, forever; ends only by cancellation (or NameRefused, which
   * no retry can fix). A shutdown notice, a dropped connection, a refused or failed connect, and
   * a taken name all lead to the same backoff.
   */
  *run(): Operation<never> {
    for (;;) {
      const why = yield* this.attempt();
      const delayMs = Math.round(this.backoff.next());
      this.log.info({ attempt: this.backoff.attempts, delayMs, why }, "reconnecting");
      yield* sleep(delayMs);
    }
  }

  /** One connection, from connect to its end; returns why it ended. */
  private *attempt(): Operation<string> {
    const { url, name, key } = this.options;
    let link: ChatLink | null;
    try {
      link = yield* timeout(this.options.joinTimeoutMs ?? 10_000, joinAsBot(url, name, key));
    } catch (error) {
      if (error instanceof Cancelled || error instanceof NameRefused) throw error;
      return `cannot join: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (link === null) return `the name ${name} is taken`;
    this.backoff.reset();
    this.log.info({ url, name: link.name }, "joined");
    try {
      return yield* this.serve(link);
    } finally {
      yield* link.hangUp();
    }
  }

  /** The poster and the reader, until the reader sees the connection end. */
  private *serve(link: ChatLink): Operation<string> {
    const bot = this;
    return yield* scope(function* (s) {
      s.spawn(bot.postEvery(link), { name: "quote poster" });
      const reader = s.spawn(bot.readEvents(link), { name: "event reader" });
      const why = yield* reader.join();
      s.cancelAll("the connection ended");
      return why;
    });
  }

  private *postEvery(link: ChatLink): Operation<void> {
    for (;;) {
      yield* sleep(this.options.intervalMs);
      // A closed link: the reader is about to notice and end the session.
      if (!(yield* this.post(link, "interval"))) return;
    }
  }

  /** Handles events until the connection closes or the server announces its shutdown. */
  private *readEvents(link: ChatLink): Operation<string> {
    for (;;) {
      const event = yield* link.next();
      if (event === null) return `connection closed (${link.closeReason})`;
      switch (event.type) {
        case "message":
          yield* this.onMessage(link, event);
          break;
        case "shutdown":
          return `the server is shutting down: ${event.reason}`;
        case "error":
          this.log.warn({ code: event.code, text: event.text }, "the server refused a command");
          break;
        default:
          break; // joins, leaves, actions...: nothing for a quote bot to do
      }
    }
  }

  private *onMessage(link: ChatLink, message: MessageEvent): Operation<void> {
    // Our own quotes come back to us too; answering them could make the bot talk to itself.
    if (message.from.toLowerCase() === link.name.toLowerCase()) return;
    if (!isQuoteRequest(message.text)) return;
    if (!this.cooldown.tryTake()) {
      this.log.debug({ from: message.from }, "!quote ignored: answered one too recently");
      return;
    }
    yield* this.post(link, "request", message.from);
  }

  /** Says the next quote; false if the connection is closed. */
  private *post(link: ChatLink, why: "interval" | "request", requestedBy?: string): Operation<boolean> {
    if (link.closed) return false; // keep the quote for the next connection
    const quote = this.options.deck.next();
    const sent = yield* link.send({ type: "say", text: this.format(quote) });
    if (sent) this.log.info({ why, requestedBy, author: quote.author }, "posted a quote");
    return sent;
  }
}
