/**
 * Text hygiene and Unicode helpers for the client, with no terminal in sight: what the server
 * relays is shown as text, never interpreted, so control characters (ESC above all) are made
 * visible before anything reaches the view.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The grapheme clusters (user-perceived characters) of `text`: "é", "👍🏽", "漢" are one each. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * Replaces control characters (C0, DEL, C1) and lone surrogates with visible stand-ins, so a
 * relayed line can never move the cursor, change colours or retitle the terminal. Newlines are
 * kept only when `keepNewlines` (multi-line server information such as the help text).
 */
export function sanitize(text: string, keepNewlines = false): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\n" && keepNewlines) out += ch;
    else if (ch === "\t") out += "    ";
    else if (code < 0x20) out += "^" + String.fromCharCode(code + 0x40);
    else if (code === 0x7f) out += "^?";
    else if (code >= 0x80 && code < 0xa0) out += "\ufffd";
    else if (code >= 0xd800 && code <= 0xdfff) out += "\ufffd"; // a lone surrogate
    else out += ch;
  }
  return out;
}

/** HH:MM in local time. */
export function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** True if `text` mentions `name` as a whole word (names are letters, digits, `_`, `-`), ignoring case. */
export function mentions(text: string, name: string): boolean {
  if (name === "") return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}_-])${escaped}($|[^\\p{L}\\p{N}_-])`, "iu").test(text);
}
