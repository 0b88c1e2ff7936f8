import type { ServerEvent } from "./events.js";

/** The JSON transport's encoding of an event: the event object itself, one per text frame. */
export function encodeServerEvent(event: ServerEvent): string {
  return JSON.stringify(event);
}

const EVENT_TYPES = new Set<ServerEvent["type"]>([
  "message",
  "action",
  "joined",
  "left",
  "renamed",
  "private",
  "welcome",
  "users",
  "info",
  "error",
  "shutdown",
]);

/**
 * For clients (bot, TUI): parses one frame from the server. Returns null for anything that is
 * not an event this client knows (a newer server may send more types; a client skips them).
 */
export function decodeServerEvent(raw: string): ServerEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" && EVENT_TYPES.has(type as ServerEvent["type"]) ? (value as ServerEvent) : null;
}
