/**
 * The lines entered, walked with Up and Down like a shell's history. Apart from the input line
 * because its one subtlety — the line being typed (the draft) is kept when Up leaves it and
 * given back when Down returns past the newest entry — is easiest to see on its own.
 */

/** Most lines remembered. */
const MAX_HISTORY = 500;

export class InputHistory {
  /** Lines entered, oldest first. */
  private readonly lines: string[] = [];
  /** Position while walking (lines.length: the draft). */
  private index = 0;
  private draft = "";

  get entries(): readonly string[] {
    return this.lines;
  }

  /** Enter: remembers `text` (not a blank line, nor the newest again); the walk starts over. */
  record(text: string): void {
    if (text.trim() !== "" && this.lines[this.lines.length - 1] !== text) {
      this.lines.push(text);
      if (this.lines.length > MAX_HISTORY) this.lines.shift();
    }
    this.index = this.lines.length;
    this.draft = "";
  }

  /** The input was cleared: the next Up starts from the newest line. */
  restart(): void {
    this.index = this.lines.length;
  }

  /** Up, with `current` in the input: the older line to show, or undefined at the oldest. */
  back(current: string): string | undefined {
    if (this.index === 0) return undefined;
    if (this.index === this.lines.length) this.draft = current;
    this.index--;
    return this.lines[this.index] ?? "";
  }

  /** Down: the newer line to show (past the newest, the draft), or undefined at the draft. */
  forward(): string | undefined {
    if (this.index >= this.lines.length) return undefined;
    this.index++;
    return this.index === this.lines.length ? this.draft : (this.lines[this.index] ?? "");
  }
}
