/**
 * What a client may ask of the server over the JSON transport, and the one place where such
 * requests are checked. Anything malformed becomes an `error` event with a code; the caller keeps
 * the connection open. Unknown fields are ignored; unknown types are errors.
 */
import type { ErrorEvent } from "./events.js";

/** Bumped whenever a change would break an existing client. */
export const PROTOCOL_VERSION = 1;

export type ClientCommand =
  /** `key`: granted a name the server keeps for a particular client (e.g. the bot's). */
  | { type: "join"; name: string; key?: string }
  | { type: "say"; text: string }
  | { type: "me"; text: string }
  | { type: "nick"; name: string }
  | { type: "msg"; to: string; text: string }
  | { type: "users" }
  | { type: "quit"; reason?: string };

export type Decoded = { ok: true; command: ClientCommand } | { ok: false; error: ErrorEvent };

const STRING_FIELDS: Record<ClientCommand["type"], readonly string[]> = {
  join: ["name"],
  say: ["text"],
  me: ["text"],
  nick: ["name"],
  msg: ["to", "text"],
  users: [],
  quit: [],
};

/** The one optional string field a command may carry, if any. */
const OPTIONAL_STRING_FIELDS: Partial<Record<ClientCommand["type"], string>> = {
  join: "key",
  quit: "reason",
};

function fail(code: ErrorEvent["code"], text: string): Decoded {
  return { ok: false, error: { type: "error", code, text } };
}

/** Parses and checks one client message (a WebSocket text frame). Never throws. */
export function decodeClientCommand(raw: string, maxBytes: number): Decoded {
  if (Buffer.byteLength(raw, "utf8") > maxBytes) return fail("too-large", `a message is at most ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return fail("bad-json", "this is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("bad-command", 'a command is a JSON object with a "type", e.g. {"type":"say","text":"hi"}');
  }
  const fields = value as Record<string, unknown>;
  const type = fields.type;
  if (typeof type !== "string" || !Object.hasOwn(STRING_FIELDS, type)) {
    return fail("unknown-command", `unknown command type ${JSON.stringify(type)}; known: ${Object.keys(STRING_FIELDS).join(", ")}`);
  }
  const required = STRING_FIELDS[type as ClientCommand["type"]];
  for (const field of required) {
    if (typeof fields[field] !== "string") return fail("bad-command", `"${type}" needs a string field "${field}"`);
  }
  const optional = OPTIONAL_STRING_FIELDS[type as ClientCommand["type"]];
  if (optional !== undefined && fields[optional] !== undefined && typeof fields[optional] !== "string") {
    return fail("bad-command", `"${type}" takes an optional string field "${optional}"`);
  }
  // Copy only the known fields: unknown ones are ignored, never passed on.
  const command: Record<string, unknown> = { type };
  for (const field of required) command[field] = fields[field];
  if (optional !== undefined && typeof fields[optional] === "string") command[optional] = fields[optional];
  return { ok: true, command: command as ClientCommand };
}

/** Encodes a command for the wire (what the bot and the TUI send). */
export function encodeClientCommand(command: ClientCommand): string {
  return JSON.stringify(command);
}
