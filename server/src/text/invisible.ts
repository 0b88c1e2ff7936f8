/**
 * Which invisible characters a chat line may keep, and where: the Unicode half of `sanitize`.
 *
 * Format characters, noncharacters and fillers show nothing, so they can make a message look blank,
 * make two words look alike that differ, or carry hidden text (tag characters spell ASCII that no
 * font draws). Combining marks stack: a few hundred on one letter spill over the lines around it.
 * Some of these are what emoji and scripts are made of, though, so each is kept exactly where it
 * does that job: a joiner between two visible characters (👨‍👩‍👧, Persian and Indic joining), tags
 * spelling a subdivision flag after 🏴, a variation selector after the character it selects for.
 *
 * Every rule looks at the output so far (`last`, the code point kept last) and, for joiners, at the
 * next input code point only when it is one that is always kept: so what is kept once is kept
 * again, and sanitizing twice changes nothing.
 */

/** What a code point is to `sanitize`. */
export type Kind = typeof VISIBLE | typeof SPACE | typeof MARK | typeof SELECTOR | typeof FORMAT | typeof SEPARATOR | typeof CONTROL;
/** Kept, and a base for marks: letters, digits, symbols, emoji, spacing marks (Mc), unassigned code points. */
export const VISIBLE = 0;
/** White space: kept, a base, but it takes no variation selector and joins nothing. */
export const SPACE = 1;
/**
 * A nonspacing or enclosing mark (Mn, Me), which sits on the character before it: at most
 * MAX_MARKS on one base. A spacing mark (Mc, e.g. a Devanagari vowel sign) takes its own room, so it
 * is VISIBLE, a new base.
 */
export const MARK = 2;
/** A variation selector (U+FE00–FE0F, U+E0100–E01EF): a MARK, kept only after a character it can select for. */
export const SELECTOR = 3;
/**
 * Dropped wherever it stands, but for the joiners and flag tags below: format characters (Cf: bidi
 * marks and overrides, zero-width space, word joiner, soft hyphen, BOM, interlinear annotation,
 * tags, joiners), noncharacters, the Hangul fillers, and the default-ignorable code points Unicode
 * reserves for future format characters (invisible by definition).
 */
export const FORMAT = 4;
/** A line or paragraph separator (Zl, Zp): becomes a space. */
export const SEPARATOR = 5;
/** C0, DEL, C1: for sanitize's escape-sequence parser. */
export const CONTROL = 6;
/** Of a high surrogate only: some code point it starts is not VISIBLE, so look at the code point. */
export const ASTRAL = 7;

/** At most this many marks on one base: enough for Vietnamese, Hebrew with points, Tibetan stacks. */
export const MAX_MARKS = 4;

/** Nothing kept yet (`last` at the start of a line). */
export const NOTHING = -1;

const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;
/** The longest subdivision code a flag spells: a region (2 letters or 3 digits) and up to 4 more. */
const MAX_FLAG_TAGS = 7;

const SEPARATORS = /[\p{Zl}\p{Zp}]/u;
const INVISIBLE =
  /[\p{Cf}\p{Noncharacter_Code_Point}\u115f\u1160\u3164\uffa0\u2065\ufff0-\ufff8\u{e0000}-\u{e001f}\u{e0080}-\u{e00ff}\u{e01f0}-\u{e0fff}]/u;
const MARKS = /[\p{Mn}\p{Me}]/u;
const WHITE_SPACE = /\p{White_Space}/u;

function isSelector(c: number): boolean {
  return (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xe0100 && c <= 0xe01ef);
}

/** The kind of code point `c` (a lone surrogate is VISIBLE: it is kept, as it always was). */
export function kindOf(c: number): Kind {
  if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return CONTROL;
  if (isSelector(c)) return SELECTOR;
  const char = String.fromCodePoint(c);
  if (SEPARATORS.test(char)) return SEPARATOR;
  if (INVISIBLE.test(char)) return FORMAT;
  if (MARKS.test(char)) return MARK;
  if (WHITE_SPACE.test(char)) return SPACE;
  return VISIBLE;
}

const UNKNOWN = 0xff;
/**
 * The kind of each UTF-16 code unit, learnt the first time it is seen: the property regexes cost
 * about a hundred nanoseconds a character, a look-up here almost nothing, and a chat uses few
 * distinct characters. Filling all 65,536 up front would cost ~10 ms at every start.
 */
const UNIT_KINDS = new Uint8Array(0x10000).fill(UNKNOWN);

/**
 * The kind of code unit `u`. A high surrogate is VISIBLE when every code point it starts is (the
 * emoji blocks are), else ASTRAL; a low surrogate is VISIBLE (its pair was decided by the high one).
 */
export function unitKind(u: number): Kind | typeof ASTRAL {
  const known = UNIT_KINDS[u] as number;
  if (known !== UNKNOWN) return known as Kind | typeof ASTRAL;
  const kind = u >= 0xd800 && u <= 0xdbff ? blockKind(u) : kindOf(u);
  UNIT_KINDS[u] = kind;
  return kind;
}

/**
 * VISIBLE if all 1,024 code points high surrogate `high` starts are. Learnt once per block, about
 * 0.1 ms each: a text cannot make the server learn more than all 1,024 blocks, ~0.13 s once.
 */
function blockKind(high: number): typeof VISIBLE | typeof ASTRAL {
  const first = 0x10000 + ((high - 0xd800) << 10);
  for (let c = first; c < first + 0x400; c++) if (kindOf(c) !== VISIBLE) return ASTRAL;
  return VISIBLE;
}

/** The kind of a whole code point, from the learnt code units where they decide it. */
function codePointKind(c: number): Kind {
  if (c <= 0xffff) return c >= 0xd800 && c <= 0xdbff ? VISIBLE : (unitKind(c) as Kind); // a lone high surrogate is kept
  return unitKind(0xd800 + ((c - 0x10000) >> 10)) === VISIBLE ? VISIBLE : kindOf(c);
}

/** Whether `last` can take a variation selector: a visible character or a mark, not a space, a format character or a selector. */
export function takesSelector(last: number): boolean {
  if (last === NOTHING) return false;
  const kind = codePointKind(last);
  return kind === VISIBLE || kind === MARK;
}

/**
 * Whether `c`, a FORMAT character, is a ZWJ or ZWNJ that stays between `last` (already kept) and the
 * code point at `next` in `text`: both must be visible and non-ASCII, the one after it VISIBLE
 * (so that it is sure to be kept too). Marks and selectors count as visible before it: क्‍ष joins
 * after a virama, 🏳️‍🌈 after U+FE0F.
 */
export function joinerStays(c: number, last: number, text: string, next: number): boolean {
  if ((c !== ZWJ && c !== ZWNJ) || last < 0xa0) return false;
  const before = codePointKind(last);
  if (before !== VISIBLE && before !== MARK && before !== SELECTOR) return false;
  const after = text.codePointAt(next);
  return after !== undefined && after >= 0xa0 && codePointKind(after) === VISIBLE;
}

/**
 * When `last` is 🏴 and `text` at `i` holds the tags of a subdivision flag (1 to 7 tag digits or
 * lowercase tag letters, then CANCEL TAG: 🏴󠁧󠁢󠁥󠁮󠁧󠁿 is 🏴 g b e n g CANCEL), the index just after them;
 * otherwise -1, and the character at `i` is dropped like any FORMAT character. The length limit
 * keeps tags from carrying more hidden text than a flag's name.
 */
export function flagTagsEnd(last: number, text: string, i: number): number {
  if (last !== BLACK_FLAG) return -1;
  for (let count = 0, j = i; count <= MAX_FLAG_TAGS; count++, j += 2) {
    const c = text.codePointAt(j);
    if (c === CANCEL_TAG) return count > 0 ? j + 2 : -1;
    if (c === undefined || !((c >= 0xe0030 && c <= 0xe0039) || (c >= 0xe0061 && c <= 0xe007a))) return -1;
  }
  return -1;
}
