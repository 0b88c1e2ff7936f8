/**
 * The line being typed: text plus a cursor, edited by grapheme cluster so that accents, CJK and
 * emoji (even with skin-tone modifiers or ZWJ sequences) move and delete as one character.
 * The cursor is a UTF-16 offset that always sits on a grapheme boundary.
 */
import { graphemes } from "./text.js";

export class InputLine {
  text = "";
  cursor = 0;
  /** A high surrogate typed alone: blessed splits an emoji into its two UTF-16 halves. */
  private pendingHigh = "";

  /** Inserts typed text at the cursor (a half of a surrogate pair waits for its other half). */
  insert(typed: string): void {
    let s = this.pendingHigh + typed;
    this.pendingHigh = "";
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.pendingHigh = s.slice(-1);
      s = s.slice(0, -1);
    }
    s = s.replace(/[\u0000-\u001f\u007f]/g, "").replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "");
    if (s === "") return;
    this.text = this.text.slice(0, this.cursor) + s + this.text.slice(this.cursor);
    this.cursor += s.length;
  }

  set(text: string, cursor = text.length): void {
    this.text = text;
    this.cursor = Math.max(0, Math.min(cursor, text.length));
    this.pendingHigh = "";
  }

  clear(): void {
    this.set("");
  }

  /** Offsets of every grapheme boundary, 0 and text.length included. */
  private boundaries(): number[] {
    const result = [0];
    let at = 0;
    for (const g of graphemes(this.text)) {
      at += g.length;
      result.push(at);
    }
    return result;
  }

  private previousBoundary(): number {
    const b = this.boundaries();
    let prev = 0;
    for (const x of b) {
      if (x >= this.cursor) break;
      prev = x;
    }
    return prev;
  }

  private nextBoundary(): number {
    for (const x of this.boundaries()) if (x > this.cursor) return x;
    return this.text.length;
  }

  left(): void {
    this.cursor = this.previousBoundary();
  }

  right(): void {
    this.cursor = this.nextBoundary();
  }

  home(): void {
    this.cursor = 0;
  }

  end(): void {
    this.cursor = this.text.length;
  }

  /** Deletes the character before the cursor. */
  backspace(): void {
    const from = this.previousBoundary();
    this.text = this.text.slice(0, from) + this.text.slice(this.cursor);
    this.cursor = from;
  }

  /** Deletes the character under the cursor. */
  deleteForward(): void {
    const to = this.nextBoundary();
    this.text = this.text.slice(0, this.cursor) + this.text.slice(to);
  }

  /** Deletes the word before the cursor (Ctrl-W), with the spaces after it. */
  deleteWordBack(): void {
    const before = this.text.slice(0, this.cursor);
    const from = before.replace(/\S*\s*$/u, "").length;
    this.text = this.text.slice(0, from) + this.text.slice(this.cursor);
    this.cursor = from;
  }

  /** Deletes from the start of the line to the cursor (Ctrl-U). */
  killToStart(): void {
    this.text = this.text.slice(this.cursor);
    this.cursor = 0;
  }

  /** Deletes from the cursor to the end of the line (Ctrl-K). */
  killToEnd(): void {
    this.text = this.text.slice(0, this.cursor);
  }

  /** The text before the cursor, the grapheme under it (" " at the end), and the rest. */
  split(): { before: string; at: string; after: string } {
    const next = this.nextBoundary();
    const at = this.cursor < this.text.length ? this.text.slice(this.cursor, next) : " ";
    return { before: this.text.slice(0, this.cursor), at, after: this.text.slice(next) };
  }
}
