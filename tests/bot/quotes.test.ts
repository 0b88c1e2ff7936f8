import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../helpers/seeded-random.js";
import { BUNDLED_QUOTES_FILE, formatQuote, loadQuotes, parseQuotes, QuoteDeck, QuotesError, type Quote } from "../../bot/src/quotes.js";

describe("the quotes file", () => {
  it("parses `text — Author` lines, skipping blanks and # comments", () => {
    const quotes = parseQuotes("# mine\n\nWell begun is half done. — Aristotle\r\nA — B — C\n", "q.txt");
    expect(quotes).toEqual([
      { text: "Well begun is half done.", author: "Aristotle" },
      { text: "A — B", author: "C" },
    ]);
    expect(formatQuote(quotes[0] as Quote)).toBe("Well begun is half done. — Aristotle");
  });

  it("names the file and line of a quote without an author or without text", () => {
    expect(() => parseQuotes("Fine. — Someone\nNo author here\n", "my.txt")).toThrow(QuotesError);
    expect(() => parseQuotes("Fine. — Someone\nNo author here\n", "my.txt")).toThrow(/^my\.txt:2: a quote needs its author/);
    expect(() => parseQuotes("\n\nDangling dash —   \n", "my.txt")).toThrow(/^my\.txt:3: a quote needs its author/);
    expect(() => parseQuotes("# c\n — Nobody\n", "my.txt")).toThrow(/^my\.txt:2: .*empty/);
    expect(() => parseQuotes(`${"x".repeat(1000)} — Long\n`, "my.txt")).toThrow(/^my\.txt:1: a quote is at most/);
  });

  it("an empty file, or one of comments only, is an error naming the file", () => {
    expect(() => parseQuotes("", "empty.txt")).toThrow(/^empty\.txt: no quotes/);
    expect(() => parseQuotes("# nothing yet\n\n", "empty.txt")).toThrow(/^empty\.txt: no quotes/);
  });

  it("a missing file is a QuotesError naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "quotes-"));
    const missing = join(dir, "nope.txt");
    expect(() => loadQuotes(missing)).toThrow(QuotesError);
    expect(() => loadQuotes(missing)).toThrow(missing + ": cannot read the quotes file");
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "Good. — A\nBad\n");
    expect(() => loadQuotes(bad)).toThrow(`${bad}:2:`);
  });

  it("the bundled file loads, every quote with an author", () => {
    const quotes = loadQuotes(BUNDLED_QUOTES_FILE);
    expect(quotes.length).toBeGreaterThanOrEqual(10);
    for (const q of quotes) expect(q.author.length).toBeGreaterThan(0);
    expect(quotes.map((q) => q.author)).toContain("Lao Tzu, Tao Te Ching");
  });
});

describe("QuoteDeck", () => {
  const quotes: Quote[] = Array.from({ length: 7 }, (_, i) => ({ text: `quote ${i}`, author: `author ${i}` }));

  it("deals every quote once per round, over many rounds, and never the same twice in a row", () => {
    const deck = new QuoteDeck(quotes, seededRandom(42));
    let previous: Quote | null = null;
    const orders: string[] = [];
    for (let round = 0; round < 50; round++) {
      const dealt = Array.from({ length: quotes.length }, () => deck.next());
      expect(new Set(dealt).size).toBe(quotes.length); // no repeat until all are used
      expect(dealt[0]).not.toBe(previous); // not across the round boundary either
      previous = dealt[dealt.length - 1] as Quote;
      orders.push(dealt.map((q) => q.text).join(","));
    }
    expect(new Set(orders).size).toBeGreaterThan(40); // rounds are shuffled anew
  });

  it("is reproducible with a seed, and different across seeds", () => {
    const deal = (seed: number): string[] => {
      const deck = new QuoteDeck(quotes, seededRandom(seed));
      return Array.from({ length: 21 }, () => deck.next().text);
    };
    expect(deal(7)).toEqual(deal(7));
    expect(deal(7)).not.toEqual(deal(8));
  });

  it("works with a single quote and refuses an empty deck", () => {
    const one = new QuoteDeck([quotes[0] as Quote]);
    expect([one.next(), one.next()]).toEqual([quotes[0], quotes[0]]);
    expect(() => new QuoteDeck([])).toThrow(RangeError);
  });
});
