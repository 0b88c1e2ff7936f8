/**
 * The message pane's contents and where it is scrolled to: the lines with their kinds, capped,
 * the room messages already shown (so a reconnect's history replay adds only what was missed),
 * and the scroll position with the count of lines that arrived below it. Separate because it is
 * what the view draws, and knows nothing of the server, the input or the keys.
 */
import { sanitize } from "./text.js";

export type LineKind =
  | "chat" // <alice> hello
  | "action" // * alice waves
  | "private" // [private] alice -> bob: hi
  | "notice" // joins, leaves, renames: dimmed
  | "info" // server information, /help, /users
  | "error" // refused commands, local mistakes
  | "gap" // the connection dropped / came back
  | "pending"; // typed while offline, waiting to be sent

export interface Line {
  id: number;
  at: number;
  kind: LineKind;
  text: string;
  from?: string;
  to?: string;
  /** Said by this user. */
  mine?: boolean;
  /** Mentions this user's name, or is a private message to them. */
  highlight?: boolean;
}

/** A room message as far as telling it apart from others goes. */
interface RoomMessage {
  type: string;
  from: string;
  text: string;
  at: number;
}

/** Most lines kept in the scrollback. */
export const MAX_LINES = 5_000;
/** Room messages remembered for skipping the replay after a reconnect (the server replays 20 by default). */
const MAX_SEEN = 1_000;

export class Scrollback {
  readonly lines: Line[] = [];
  /** Rows scrolled up from the bottom of the message pane (0: follow new messages). */
  scroll = 0;
  /** The largest useful `scroll`, as the view last measured it. */
  scrollMax = Number.POSITIVE_INFINITY;
  /** Rows in one page of the message pane, as the view last measured it. */
  pageRows = 10;
  /** Lines that arrived while scrolled up. */
  unseen = 0;
  private readonly seen = new Set<string>();
  private nextId = 1;

  constructor(private readonly now: () => number) {}

  add(line: Omit<Line, "id">): Line {
    const full: Line = { id: this.nextId++, ...line };
    this.lines.push(full);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    if (this.scroll > 0) this.unseen++;
    return full;
  }

  /** A line from the client itself (help, errors, connection notices), stamped now. */
  system(kind: LineKind, text: string): Line {
    return this.add({ at: this.now(), kind, text: sanitize(text, true) });
  }

  /** The line with this id, unless it has scrolled out of the cap. */
  find(id: number): Line | undefined {
    return this.lines.find((l) => l.id === id);
  }

  /** True if `message` was shown already (a reconnect's history replay repeats the last ones). */
  hasSeen(message: RoomMessage): boolean {
    return this.seen.has(seenKey(message));
  }

  markSeen(message: RoomMessage): void {
    this.seen.add(seenKey(message));
    if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.values().next().value as string);
  }

  /** Scrolls the message pane `rows` up (negative: down), within what there is to see. */
  scrollBy(rows: number): void {
    this.scroll = Math.max(0, Math.min(this.scroll + rows, this.scrollMax));
    if (this.scroll === 0) this.unseen = 0;
  }

  /** Scrolls `pages` pages up (negative: down), keeping a row of the last page in view. */
  scrollPages(pages: number): void {
    this.scrollBy(pages * Math.max(1, this.pageRows - 1));
  }

  /** The view drew the pane: what it measured bounds the scrolling from now on. */
  measured(view: { scrollMax: number; pageRows: number }): void {
    this.pageRows = view.pageRows;
    this.scrollMax = view.scrollMax;
    if (this.scroll > view.scrollMax) this.scroll = view.scrollMax;
  }

  /** Back to the newest line, with nothing left unseen (the user just sent something). */
  toNewest(): void {
    this.scroll = 0;
    this.unseen = 0;
  }
}

function seenKey(m: RoomMessage): string {
  return `${m.type}|${m.at}|${m.from}|${m.text}`;
}
