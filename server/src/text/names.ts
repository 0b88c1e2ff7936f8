/**
 * User names: what is accepted, the key that makes them unique regardless of case, and the
 * skeleton that keeps look-alikes of one name apart from it.
 *
 * Names are plain ASCII on purpose: they are typed by netcat users in commands, shown in every
 * line of the transcript, and must not be spoofable with look-alike letters, zero-width characters
 * or bidi overrides (owncast #1541, azure-mud #611). ASCII alone still has look-alikes (`aIice`,
 * `a1ice`, `rnallory`), which `nameSkeleton` folds together.
 */

/** Longest accepted name, in characters. */
export const NAME_MAX_LENGTH = 24;

/** The first character outside the allowed set (with `u`, a whole code point, for the reason text). */
const BAD_CHAR = /[^A-Za-z0-9_-]/u;

/**
 * Names nobody may take, nor anything that starts like them (`server_`, `Admin2`,
 * `adm1nistrator`), so the server's own notices ("server", "system") cannot be imitated by a user,
 * nor the people who run the room. Compared by skeleton.
 */
export const RESERVED_PREFIXES: readonly string[] = ["server", "system", "loopchat", "admin", "moderator", "operator"];

/**
 * Names nobody may take, compared by skeleton but only whole: `rooted` or `rootbeer` is nobody's
 * impersonation. "*" cannot pass the character check anyway, but is listed so a notice sender
 * named "*" stays reserved if the character set ever grows.
 */
export const RESERVED_EXACT: readonly string[] = ["*", "root"];

/** Every reserved name, prefixes and whole names alike. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...RESERVED_EXACT, ...RESERVED_PREFIXES]);

/** What `nameSkeleton` replaces each look-alike (after lower-casing) with. */
const REPRESENTATIVE: Readonly<Record<string, string>> = { i: "l", "1": "l", "0": "o", m: "rn", w: "vv", d: "cl" };

const RESERVED_PREFIX_SKELETONS = RESERVED_PREFIXES.map(nameSkeleton);
const RESERVED_EXACT_SKELETONS = new Set(RESERVED_EXACT.map(nameSkeleton));

/** The outcome of `validateName`: the cleaned name, or a reason to show the user. */
export type NameCheck = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly reason: string };

/**
 * Checks a name typed by a user. Surrounding whitespace is trimmed; the rest must be 1 to
 * `NAME_MAX_LENGTH` ASCII letters, digits, `_` or `-`, and not reserved (see `RESERVED_PREFIXES`
 * and `RESERVED_EXACT`). Reasons are sentences meant for the user, e.g. "a name is 1 to 24
 * characters; this one has 30".
 */
export function validateName(raw: string): NameCheck {
  const name = raw.trim();
  if (name.length === 0) return refuse(`a name is 1 to ${NAME_MAX_LENGTH} characters; this one is empty`);
  // Before the character check, so "*" is told it is reserved. Only ASCII folds in a skeleton,
  // so a name matching here is printable ASCII and safe to echo in the reason.
  if (RESERVED_EXACT_SKELETONS.has(nameSkeleton(name))) return reserved(name);
  const bad = BAD_CHAR.exec(name);
  if (bad !== null) {
    return refuse(`only letters, digits, _ and - are allowed; ${describeChar(bad[0])} is not`);
  }
  // Checked after the characters, so `length` counts ASCII characters, not UTF-16 units.
  if (name.length > NAME_MAX_LENGTH) {
    return refuse(`a name is 1 to ${NAME_MAX_LENGTH} characters; this one has ${name.length}`);
  }
  const skeleton = nameSkeleton(name);
  if (RESERVED_PREFIX_SKELETONS.some((prefix) => skeleton.startsWith(prefix))) return reserved(name);
  return { ok: true, name };
}

/** The key for case-insensitive uniqueness: "Alice" and "ALICE" are the same user name. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * The key for uniqueness among look-alikes (Unicode TR39's skeleton, over the characters names
 * may use): names with the same skeleton could pass for each other on screen. ASCII letters are
 * lower-cased, then each character is replaced by its representative:
 *
 *   I i L l 1  ->  l     (capital I, lower l and the digit 1 are one stroke in sans-serif fonts;
 *                         i joins them, its dot lost in small type; L comes with case folding)
 *   O o 0      ->  o
 *   m          ->  rn
 *   w          ->  vv
 *   d          ->  cl    (so `c1`, `cI` and `ci` pass for `d` too)
 *
 * Every other character stays itself. Digits other than 0 and 1 are left alone: 5/S, 2/Z and 8/B
 * are told apart in common fonts, and folding them would refuse many ordinary names.
 *
 * Like TR39, the pairs go the long way (`m` becomes `rn`, not `rn` becoming `m`): a character
 * at a time, so look-alikes collide wherever they stand (`vvv` and `vw` alike), and a skeleton is
 * its own skeleton, since no representative is replaced again.
 *
 * Deliberately coarse: it may refuse an innocent name that differs from a present one only by
 * `i`/`l` (`eli` while `ell` is here). That is the price of not being impersonated.
 */
export function nameSkeleton(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/[i10mwd]/g, (c) => REPRESENTATIVE[c] as string);
}

function refuse(reason: string): NameCheck {
  return { ok: false, reason };
}

function reserved(name: string): NameCheck {
  return refuse(`the name "${name}" is reserved`);
}

/**
 * Names the offending character for the reason text. Printable ASCII is quoted as is; anything else
 * is shown as its code point, so no control or invisible character is echoed back to the terminal.
 */
function describeChar(char: string): string {
  if (char === " ") return "a space";
  const code = char.codePointAt(0) as number;
  if (code > 0x20 && code < 0x7f) return `"${char}"`;
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}
