/**
 * User names: what is accepted, and the key that makes them unique regardless of case.
 *
 * Names are plain ASCII on purpose: they are typed by netcat users in commands, shown in every
 * line of the transcript, and must not be spoofable with look-alike letters, zero-width characters
 * or bidi overrides (owncast #1541, azure-mud #611).
 */

/** Longest accepted name, in characters. */
export const NAME_MAX_LENGTH = 24;

/** The first character outside the allowed set (with `u`, a whole code point, for the reason text). */
const BAD_CHAR = /[^A-Za-z0-9_-]/u;

/**
 * Keys (see `nameKey`) nobody may take, so the server's own notices ("server", "system") cannot be
 * imitated by a user, nor the people who run the room. "*" cannot pass the character check anyway,
 * but is listed so a notice sender named "*" stays reserved if the character set ever grows.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "*",
  "server",
  "system",
  "loopchat",
  "admin",
  "root",
  "moderator",
  "operator",
]);

/** The outcome of `validateName`: the cleaned name, or a reason to show the user. */
export type NameCheck = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly reason: string };

/**
 * Checks a name typed by a user. Surrounding whitespace is trimmed; the rest must be 1 to
 * `NAME_MAX_LENGTH` ASCII letters, digits, `_` or `-`, and not a reserved name (in any case).
 * Reasons are sentences meant for the user, e.g. "a name is 1 to 24 characters; this one has 30".
 */
export function validateName(raw: string): NameCheck {
  const name = raw.trim();
  if (name.length === 0) return refuse(`a name is 1 to ${NAME_MAX_LENGTH} characters; this one is empty`);
  if (RESERVED_NAMES.has(nameKey(name))) return refuse(`the name "${name}" is reserved`);
  const bad = BAD_CHAR.exec(name);
  if (bad !== null) {
    return refuse(`only letters, digits, _ and - are allowed; ${describeChar(bad[0])} is not`);
  }
  // Checked after the characters, so `length` counts ASCII characters, not UTF-16 units.
  if (name.length > NAME_MAX_LENGTH) {
    return refuse(`a name is 1 to ${NAME_MAX_LENGTH} characters; this one has ${name.length}`);
  }
  return { ok: true, name };
}

/** The key for case-insensitive uniqueness: "Alice" and "ALICE" are the same user name. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

function refuse(reason: string): NameCheck {
  return { ok: false, reason };
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
