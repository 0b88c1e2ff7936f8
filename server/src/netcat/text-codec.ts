import type { ServerEvent } from "../../../shared/src/protocol/index.js";
import type { Codec } from "../room/member.js";

const CRLF = "\r\n";

/** "14:05", in UTC: one clock for everyone in the room. */
function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

/** In a big room a joiner's first line names the first few only: /users lists everyone. */
const WELCOME_NAMES = 50;

function someNames(users: string[]): string {
  if (users.length <= WELCOME_NAMES) return users.join(", ");
  return `${users.slice(0, WELCOME_NAMES).join(", ")} and ${users.length - WELCOME_NAMES} more (/users lists everyone)`;
}

/** Renders an event as the lines a netcat or telnet user reads (without line endings). */
export function renderText(event: ServerEvent): string[] {
  switch (event.type) {
    case "message":
      return [`[${clock(event.at)}] <${event.from}> ${event.text}`];
    case "action":
      return [`[${clock(event.at)}] * ${event.from} ${event.text}`];
    case "joined":
      return [`* ${event.name} joined (${event.online} online)`];
    case "left":
      return [`* ${event.name} left (${event.reason === "" ? "" : `${event.reason}; `}${event.online} online)`];
    case "renamed":
      return [`* ${event.from} is now known as ${event.to}`];
    case "private":
      return [`[${clock(event.at)}] [private] <${event.from}> -> ${event.to}: ${event.text}`];
    case "welcome":
      return [
        `* Welcome, ${event.name}! Online (${event.users.length}): ${someNames(event.users)}`,
        ...(event.history.length > 0 ? [`* Last ${event.history.length} messages:`] : []),
        ...event.history.flatMap(renderText),
        "* Type a line to talk to everyone, or /help for commands.",
      ];
    case "users":
      return [`* Online (${event.users.length}): ${event.users.join(", ")}`];
    case "info":
      return event.text.split("\n").map((line) => `* ${line}`);
    case "error":
      return [`! ${event.text}`];
    case "shutdown":
      return [event.reason === "" ? "* The server is shutting down" : `* The server is shutting down: ${event.reason}`];
  }
}

/** An event as netcat text: every line ends in CRLF (netcat and telnet both render it). */
export function textOf(event: ServerEvent): string {
  return renderText(event).join(CRLF) + CRLF;
}

/**
 * The netcat transport's codec. It encodes to UTF-8 once per event; the room queues that same
 * Buffer for every member, and a writer sends its batch with one copy instead of one
 * string-to-UTF-8 conversion per member.
 */
export const textCodec: Codec = {
  name: "text",
  joinable: true,
  encode: (event) => Buffer.from(textOf(event), "utf8"),
};
