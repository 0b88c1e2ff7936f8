/**
 * Applies Backspace (BS, 0x08) and Delete (DEL, 0x7f) the way the user meant them: each erases the
 * character before it. A cooked-mode `nc` applies them locally, but telnet in character mode and
 * pasted text deliver them raw (ssh-chat and blessed treat them so too). Whole code points are
 * erased, so an emoji goes at once rather than leaving half a surrogate pair. What is left is
 * sanitized as usual.
 */
export function applyBackspaces(text: string): string {
  if (!text.includes("\b") && !text.includes("\x7f")) return text;
  const kept: string[] = [];
  for (const char of text) {
    if (char === "\b" || char === "\x7f") kept.pop();
    else kept.push(char);
  }
  return kept.join("");
}
