import type { ErrorEvent } from "../../../shared/src/protocol/index.js";
import { isBlank } from "../text/index.js";

/**
 * What becomes of a text a member sent (a netcat line; a WebSocket say, me or msg text), from the
 * text as received and as cleaned by `sanitize`: "send" it; "ignore" it when nothing was typed but
 * white space (Enter on an empty line, a say with ""), as before; or, when it held something that
 * cleaning leaves showing nothing (only invisible characters, escapes or controls), the error that
 * refuses it, so that the sender knows nobody saw it. One rule for every transport.
 */
export function messageFate(raw: string, cleaned: string): "send" | "ignore" | ErrorEvent {
  if (!isBlank(cleaned)) return "send";
  if (WHITE_SPACE_ONLY.test(raw)) return "ignore";
  return { type: "error", code: "blank-message", text: "that message would show nothing; it was not sent" };
}

const WHITE_SPACE_ONLY = /^\p{White_Space}*$/u;
