/**
 * What a `join`'s `key` must look like to be configured at all (the server's CHAT_RESERVED_KEY,
 * the bot's BOT_KEY), so both ends reject the same typo at start rather than meet as a refused
 * name: long enough not to be guessed in a few tries, plain enough to pass through any shell or
 * YAML unchanged.
 */
const JOIN_KEY = /^[\x21-\x7e]{8,256}$/;

/**
 * Why `raw`, read from the variable `variable`, is no usable key, or null if it is. The message
 * never quotes the value: it is a secret, and start-up errors end up in logs.
 */
export function joinKeyProblem(variable: string, raw: string): string | null {
  if (JOIN_KEY.test(raw)) return null;
  const what = raw.length < 8 || raw.length > 256 ? `got ${raw.length} characters` : "got a space or a character outside printable ASCII";
  return `${variable} must be 8 to 256 printable ASCII characters without spaces, ${what}`;
}
