/**
 * Turns a received line into text that is safe to show on other users' terminals.
 *
 * Chat text goes verbatim to netcat/telnet users, whose terminals obey control characters and escape
 * sequences: clear the screen, set the window title, forge hyperlinks, hide or rewrite earlier lines.
 * Terminal-escape injection from chat text is a recurring CVE class (e.g. GHSA-4225-c933-76f3), so the
 * server strips every control before a line reaches anyone. Bidi overrides go too: they can make a
 * name or a message read differently from what it is (azure-mud #611).
 *
 * Safety does not depend on recognising every sequence exactly: the output never contains C0, DEL,
 * C1 or ESC. Parsing whole sequences only decides how much of their parameter text goes with them,
 * so `ESC [ 3 1 m` leaves nothing rather than a stray "31m".
 *
 * Text that hides or forges goes as well, for every client, not only terminals: a line separator
 * starts what looks like a new chat line (`a<U+2028>[14:00] <bob> forged`); format characters,
 * noncharacters and Hangul fillers show nothing (a message that looks blank, words that look the
 * same but differ, ASCII smuggled in tag characters); hundreds of combining marks on one letter
 * spill over the lines around it. What emoji and scripts need of these is kept, and only that.
 */

import { ASTRAL, CONTROL, flagTagsEnd, FORMAT, joinerStays, kindOf, MARK, MAX_MARKS, NOTHING, SELECTOR, SPACE, takesSelector, unitKind, VISIBLE } from "./invisible.js";

// Fatal: false replaces malformed input with U+FFFD instead of throwing; one shared instance is fine
// because decode() without { stream: true } keeps no state between calls.
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Decodes one complete line as UTF-8; invalid or truncated sequences become U+FFFD. Never throws.
 * Decode whole lines, never chunks: a character split across two reads would become two U+FFFD.
 * A leading byte-order mark is dropped (TextDecoder's default).
 */
export function decodeLine(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const TAB = 0x09;
const BEL = 0x07;
const ESC = 0x1b;
const BACKSLASH = 0x5c;

// 8-bit (C1) forms of the sequence introducers.
const C1_DCS = 0x90;
const C1_SOS = 0x98;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
const C1_OSC = 0x9d;
const C1_PM = 0x9e;
const C1_APC = 0x9f;
const C1_SS2 = 0x8e;
const C1_SS3 = 0x8f;

/** Anything but printable ASCII: a line without any is returned at once (the common case). */
const NOT_PLAIN_ASCII = /[^\x20-\x7e]/;

/**
 * Removes what a terminal would interpret rather than print: C0 controls (a tab becomes one space),
 * DEL, C1 controls, escape sequences as a whole (CSI, OSC, DCS/SOS/PM/APC strings, SS2/SS3, other
 * `ESC x` and `ESC` + intermediates + final), and their 8-bit C1 forms. Backspace and DEL are
 * removed, not applied as edits.
 *
 * Removes what hides or forges text (see invisible.ts): a line or paragraph separator becomes one
 * space, as a tab does; format characters (bidi marks, overrides and isolates, zero-width
 * characters, tags, ...), noncharacters and Hangul fillers go, except a ZWJ or ZWNJ between two
 * visible non-ASCII characters and the tags of a subdivision flag after 🏴; a variation selector
 * goes unless it follows a character it can select for; past 4 combining marks on one base, the
 * rest go.
 *
 * Everything else is kept as is (letters of every script, natural RTL text, emoji with their
 * modifiers, keycaps and flags); nothing is trimmed. A line that needs none of this is returned as
 * it came, without a copy.
 */
export function sanitize(text: string): string {
  if (!NOT_PLAIN_ASCII.test(text) || !needsWork(text)) return text;
  let out = "";
  let keepFrom = 0; // start of the kept text not yet copied to `out`
  let last = NOTHING; // the code point kept last: what the next one stands after
  let marks = 0; // marks kept on `last`'s base
  for (let i = 0; i < text.length; ) {
    const c = text.codePointAt(i) as number; // a lone surrogate comes as itself
    let next = i + (c > 0xffff ? 2 : 1);
    let kind = unitKind(text.charCodeAt(i));
    if (kind === ASTRAL) kind = kindOf(c);
    let drop = false;
    if (kind === VISIBLE || kind === SPACE) {
      last = c;
      marks = 0;
    } else if (kind === MARK || kind === SELECTOR) {
      drop = marks === MAX_MARKS || (kind === SELECTOR && !takesSelector(last));
      if (!drop) {
        last = c;
        marks++;
      }
    } else if (kind === FORMAT) {
      const flagEnd = flagTagsEnd(last, text, i);
      if (flagEnd >= 0) {
        next = flagEnd;
        last = text.codePointAt(flagEnd - 2) as number;
      } else if (joinerStays(c, last, text, next)) {
        last = c;
      } else {
        drop = true;
      }
    } else {
      out += text.slice(keepFrom, i);
      if (kind === CONTROL && c !== TAB) {
        next = skipControl(text, i);
      } else {
        // A tab moves the cursor by a terminal-dependent amount, and a separator starts a new line
        // in some clients: one space keeps the words apart.
        out += " ";
        last = 0x20;
        marks = 0;
      }
      keepFrom = next;
    }
    if (drop) {
      out += text.slice(keepFrom, i);
      keepFrom = next;
    }
    i = next;
  }
  return out + text.slice(keepFrom);
}

/**
 * Whether sanitize() would change `text`, in one pass over its code units with no copy: anything
 * but visible characters, spaces and marks, a run of more than MAX_MARKS marks (with nothing else
 * to remove, that is too many on one base), or a selector where there is nothing to select.
 */
function needsWork(text: string): boolean {
  let marks = 0;
  let before: number = SPACE; // the start, like a space, takes no selector
  for (let i = 0; i < text.length; i++) {
    const kind = unitKind(text.charCodeAt(i));
    if (kind === VISIBLE || kind === SPACE) {
      marks = 0;
    } else if (kind === MARK || kind === SELECTOR) {
      if (++marks > MAX_MARKS || (kind === SELECTOR && before !== VISIBLE && before !== MARK)) return true;
    } else {
      return true;
    }
    before = kind;
  }
  return false;
}

/** `text[i]` is a control (other than tab): returns the index just after it and its sequence, if any. */
function skipControl(text: string, i: number): number {
  switch (text.charCodeAt(i)) {
    case ESC:
      return skipEscape(text, i + 1);
    case C1_CSI:
      return skipCsi(text, i + 1);
    case C1_OSC:
    case C1_DCS:
    case C1_SOS:
    case C1_PM:
    case C1_APC:
      return skipString(text, i + 1);
    case C1_SS2:
    case C1_SS3:
      return skipShiftedChar(text, i + 1);
    default:
      return i + 1;
  }
}

/** After ESC at `j - 1`: the end of the escape sequence it starts. */
function skipEscape(text: string, j: number): number {
  if (j >= text.length) return j;
  const c = text.charCodeAt(j);
  switch (c) {
    case 0x5b: // [  CSI
      return skipCsi(text, j + 1);
    case 0x5d: // ]  OSC (window title, hyperlinks, clipboard)
    case 0x50: // P  DCS
    case 0x58: // X  SOS
    case 0x5e: // ^  PM
    case 0x5f: // _  APC
      return skipString(text, j + 1);
    case 0x4e: // N  SS2
    case 0x4f: // O  SS3 (ESC O P is what F1 sends)
      return skipShiftedChar(text, j + 1);
  }
  if (c >= 0x20 && c <= 0x2f) {
    // nF sequence, e.g. ESC ( B (character set): intermediates, then one final byte.
    let k = j;
    while (k < text.length && isIntermediate(text.charCodeAt(k))) k++;
    return k < text.length && isFinal(text.charCodeAt(k), 0x30) ? k + 1 : k;
  }
  if (c >= 0x30 && c <= 0x7e) return j + 1; // two-character sequence, e.g. ESC c (full reset), ESC 7
  return j; // a lone ESC: drop it; what follows is read normally
}

function isIntermediate(c: number): boolean {
  return c >= 0x20 && c <= 0x2f;
}

function isFinal(c: number, from: number): boolean {
  return c >= from && c <= 0x7e;
}

/**
 * After a CSI introducer: parameter bytes (0x30–0x3F, which covers private markers like `?`),
 * intermediates (0x20–0x2F), then a final byte (0x40–0x7E). C0 controls inside are removed with the
 * sequence (terminals execute them and carry on); anything else ends a malformed sequence there.
 */
function skipCsi(text: string, k: number): number {
  while (k < text.length) {
    const c = text.charCodeAt(k);
    if (isFinal(c, 0x40)) return k + 1;
    const parameterOrIntermediate = c >= 0x20 && c <= 0x3f;
    const innerControl = c <= 0x1f && c !== ESC;
    if (!parameterOrIntermediate && !innerControl) return k; // ESC (a new sequence), DEL, non-ASCII
    k++;
  }
  return k;
}

/**
 * After a control-string introducer (OSC, DCS, SOS, PM, APC): the payload up to its terminator,
 * BEL or ST (`ESC \` or C1 ST). An ESC not followed by `\` also ends it (and starts a new sequence).
 * Unterminated: the rest of the line is the payload, so it is all removed.
 */
function skipString(text: string, k: number): number {
  while (k < text.length) {
    const c = text.charCodeAt(k);
    if (c === BEL || c === C1_ST) return k + 1;
    if (c === ESC) return text.charCodeAt(k + 1) === BACKSLASH ? k + 2 : k;
    k++;
  }
  return k;
}

/** After SS2/SS3: the one character they shift, if it is printable ASCII. */
function skipShiftedChar(text: string, k: number): number {
  return k < text.length && isFinal(text.charCodeAt(k), 0x20) ? k + 1 : k;
}

/**
 * Whether the text would show nothing: empty, or only whitespace (any Unicode space), controls and
 * invisible characters (Default_Ignorable_Code_Point: zero-width space/joiners, Hangul fillers, …)
 * plus U+2800 BRAILLE PATTERN BLANK, a popular way to post "empty" messages.
 */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

const BLANK = /^[\s\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]*$/u;
