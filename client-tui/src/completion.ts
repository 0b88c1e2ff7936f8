/**
 * Tab completion as a pure function: from the input's text and cursor, the members and the
 * command names to the completed text and cursor. It touches no state of its own, so the rules
 * (what is completed where, in which order, with which suffix) can be read and tested alone; the
 * caller keeps the returned `Cycle` and hands it back on the next Tab.
 */

/** What repeated Tabs cycle through: the word's place in the text and its candidates. */
export interface Cycle {
  /** Where the word being completed starts, and where the last completion of it ends. */
  readonly start: number;
  readonly end: number;
  readonly candidates: readonly string[];
  /** The candidate in place now. */
  readonly index: number;
  /** Added after the candidate: " ", or ": " when addressing someone at the start of the line. */
  readonly suffix: string;
}

export interface CompletionInput {
  text: string;
  cursor: number;
  members: readonly string[];
  /** Our own name: others are offered first, ourselves only when nobody else fits. */
  me: string;
  /** Command names without the slash, offered for a `/word` at the start of the line. */
  commands: readonly string[];
  /** What the previous Tab returned, if the last key was a Tab. */
  cycle: Cycle | null;
}

export interface Completed {
  text: string;
  cursor: number;
  cycle: Cycle;
}

/**
 * One Tab: completes the word before the cursor — a `/command` at the start of the line,
 * otherwise a member's name (followed by ": " at the start of the line). With a cycle of several
 * candidates, the next one replaces the last. Null when there is nothing to complete.
 */
export function complete(input: CompletionInput): Completed | null {
  const { cycle } = input;
  if (cycle !== null && cycle.candidates.length > 1) {
    return replaceWord(input.text, { ...cycle, index: (cycle.index + 1) % cycle.candidates.length });
  }
  const before = input.text.slice(0, input.cursor);
  const start = before.search(/\S*$/u);
  const word = before.slice(start);
  let candidates: string[];
  let suffix: string;
  if (start === 0 && word.startsWith("/")) {
    const prefix = word.slice(1).toLowerCase();
    candidates = input.commands.filter((n) => n.startsWith(prefix)).map((n) => `/${n}`);
    suffix = " ";
  } else {
    if (word === "") return null;
    const prefix = word.replace(/^@/, "").toLowerCase();
    const names = [...input.members].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    const me = input.me.toLowerCase();
    candidates = names.filter((n) => n.toLowerCase().startsWith(prefix) && (me === "" || n.toLowerCase() !== me));
    if (candidates.length === 0) candidates = names.filter((n) => n.toLowerCase().startsWith(prefix));
    suffix = start === 0 ? ": " : " ";
    if (word.startsWith("@")) candidates = candidates.map((n) => `@${n}`);
    // After /msg or /nick, a name is an argument, not an address.
    if (/^\/(msg|nick)\s+$/iu.test(before.slice(0, start))) suffix = " ";
  }
  if (candidates.length === 0) return null;
  return replaceWord(input.text, { start, end: input.cursor, candidates, index: 0, suffix });
}

/** Puts the cycle's current candidate where the word (or the last candidate) stands. */
function replaceWord(text: string, cycle: Cycle): Completed {
  const replacement = (cycle.candidates[cycle.index] as string) + cycle.suffix;
  const end = cycle.start + replacement.length;
  return { text: text.slice(0, cycle.start) + replacement + text.slice(cycle.end), cursor: end, cycle: { ...cycle, end } };
}
