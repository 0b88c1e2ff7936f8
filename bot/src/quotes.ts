/**
 * The bot's quotes: the file format (`text — Author`, one a line), its validation, and the deck
 * that deals them in a shuffled order without repeats.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One quote and who said it. */
export interface Quote {
  text: string;
  author: string;
}

/** A quotes file that cannot be used; the message names the file (and the line, if one is at fault). */
export class QuotesError extends Error {
  override name = "QuotesError";
}

/** The quotes shipped with the bot (`bot/quotes.txt`). */
export const BUNDLED_QUOTES_FILE = fileURLToPath(new URL("../quotes.txt", import.meta.url));

/** Between a quote and its author: an em dash with a space on each side. */
const SEPARATOR = " — ";

/** The server refuses lines over 1024 bytes by default; stay well under it. */
const MAX_QUOTE_BYTES = 900;

/** A quote as the bot says it in the room (the same form as in the file). */
export function formatQuote(quote: Quote): string {
  return `${quote.text}${SEPARATOR}${quote.author}`;
}

/**
 * Parses a quotes file's content. Blank lines and lines starting with `#` are skipped; every
 * other line must be `text — Author`. Throws a QuotesError naming `file` and the line.
 */
export function parseQuotes(content: string, file: string): Quote[] {
  const quotes: Quote[] = [];
  content
    .replace(/^\uFEFF/, "") // editors on Windows like to add a byte-order mark
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const where = `${file}:${index + 1}`;
      // The last separator: a quote's text may contain a dash, an author's name rarely does.
      // (The leading space finds a separator at the very start: a quote with no text.)
      const padded = " " + line;
      const at = padded.lastIndexOf(SEPARATOR);
      const author = at < 0 ? "" : padded.slice(at + SEPARATOR.length).trim();
      if (author === "") throw new QuotesError(`${where}: a quote needs its author, as "text${SEPARATOR}Author"; got ${JSON.stringify(line)}`);
      const text = padded.slice(0, at).trim();
      if (text === "") throw new QuotesError(`${where}: the quote before "${SEPARATOR.trim()} ${author}" is empty`);
      const quote = { text, author };
      if (Buffer.byteLength(formatQuote(quote)) > MAX_QUOTE_BYTES) throw new QuotesError(`${where}: a quote is at most ${MAX_QUOTE_BYTES} bytes with its author`);
      quotes.push(quote);
    });
  if (quotes.length === 0) throw new QuotesError(`${file}: no quotes in the file (one a line, as "text${SEPARATOR}Author")`);
  return quotes;
}

/** Reads and parses a quotes file; any problem (missing, unreadable, malformed) is a QuotesError. */
export function loadQuotes(file: string): Quote[] {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new QuotesError(`${file}: cannot read the quotes file (${reason})`);
  }
  return parseQuotes(content, file);
}

/**
 * Deals quotes in a shuffled order and says none twice until every one has been said (a shuffle
 * bag): listeners notice repeats long before they notice a pattern. A new round never opens with
 * the quote that closed the previous one. `random` returns [0, 1) like Math.random (seed it in tests).
 */
export class QuoteDeck {
  private pile: Quote[] = [];
  private last: Quote | null = null;

  constructor(
    private readonly quotes: readonly Quote[],
    private readonly random: () => number = Math.random,
  ) {
    if (quotes.length === 0) throw new RangeError("a QuoteDeck needs at least one quote");
  }

  /** How many quotes the deck holds. */
  get size(): number {
    return this.quotes.length;
  }

  /** The next quote; a new shuffled round starts when the current one is used up. */
  next(): Quote {
    if (this.pile.length === 0) this.pile = this.shuffle();
    const quote = this.pile.pop() as Quote;
    this.last = quote;
    return quote;
  }

  /** Fisher–Yates; the pile is dealt from its end. */
  private shuffle(): Quote[] {
    const pile = [...this.quotes];
    for (let i = pile.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [pile[i], pile[j]] = [pile[j] as Quote, pile[i] as Quote];
    }
    const top = pile.length - 1;
    if (top > 0 && pile[top] === this.last) [pile[0], pile[top]] = [pile[top] as Quote, pile[0] as Quote];
    return pile;
  }
}
